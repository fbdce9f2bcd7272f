using Orleans;

namespace Nemo.Tests.Orleans;

/// <summary>The persisted state of <see cref="CounterGrain"/>.</summary>
[GenerateSerializer]
public sealed class CounterState
{
    [Id(0)]
    public int Value { get; set; }
}
