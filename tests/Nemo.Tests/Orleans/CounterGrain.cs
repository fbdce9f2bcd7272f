using Orleans;
using Orleans.Runtime;

namespace Nemo.Tests.Orleans;

internal sealed class CounterGrain([PersistentState("s", OrleansTestHost.StorageName)] IPersistentState<CounterState> state) : Grain, ICounterGrain
{
    private readonly Guid _activation = Guid.NewGuid();

    public Task<CounterSnapshot> ReadAsync() => Task.FromResult(Snapshot());

    public async Task<CounterSnapshot> AddAsync(int amount)
    {
        state.State.Value += amount;
        await state.WriteStateAsync();
        return Snapshot();
    }

    public async Task<CounterSnapshot> ClearAsync()
    {
        await state.ClearStateAsync();
        return Snapshot();
    }

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private CounterSnapshot Snapshot() => new(state.State.Value, state.Etag, state.RecordExists, _activation);
}
