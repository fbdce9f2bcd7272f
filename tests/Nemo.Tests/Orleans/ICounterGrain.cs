using Orleans;

namespace Nemo.Tests.Orleans;

/// <summary>A test grain whose state lives in the ADO.NET grain storage named "nemo".</summary>
public interface ICounterGrain : IGrainWithStringKey
{
    Task<CounterSnapshot> ReadAsync();

    Task<CounterSnapshot> AddAsync(int amount);

    Task<CounterSnapshot> ClearAsync();

    Task DeactivateAsync();
}
