using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Nemo.Tests.Infrastructure;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Storage;

namespace Nemo.Tests.Orleans;

/// <summary>
/// Orleans' ADO.NET grain storage (10.4.2) on Nemo's migration: a grain's state is written, read back by a
/// new activation, updated under its ETag, and cleared; a stale ETag is refused; DeleteStateOnClear removes
/// the row (DeleteStorageKey).
/// </summary>
public sealed class PersistenceTests : IAsyncLifetime
{
    private const string DeletingStorage = "nemo-delete";

    private readonly TestDatabase _database = new();
    private IHost _silo = null!;

    public async ValueTask InitializeAsync()
    {
        await _database.InitializeAsync();
        await OrleansTestHost.MigrateAsync(_database.ConnectionString);
        _silo = await OrleansTestHost.StartSiloAsync(_database.ConnectionString, "nemo-" + Guid.NewGuid().ToString("N")[..8],
            silo => silo.AddAdoNetGrainStorage(DeletingStorage, o =>
            {
                (o.Invariant, o.ConnectionString) = (OrleansTestHost.Invariant, _database.ConnectionString);
                o.DeleteStateOnClear = true;
            }));
    }

    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            await _silo.StopAsync(timeout.Token);
        _silo.Dispose();
        await _database.DisposeAsync();
    }

    private Task<long> RowsAsync(string key) => _database.ScalarAsync<long>(
        "SELECT count(*) FROM orleansstorage WHERE grainidextensionstring = @key", ("key", key));

    private Task<int> StoredVersionAsync(string key) => _database.ScalarAsync<int>(
        "SELECT version FROM orleansstorage WHERE grainidextensionstring = @key", ("key", key));

    private Task<bool> PayloadIsNullAsync(string key) => _database.ScalarAsync<bool>(
        "SELECT payloadbinary IS NULL FROM orleansstorage WHERE grainidextensionstring = @key", ("key", key));

    [Fact]
    public async Task GrainState_WritesReadsBackUpdatesAndClears()
    {
        var grains = _silo.Services.GetRequiredService<IGrainFactory>();
        string key = "counter-" + Guid.NewGuid().ToString("N");
        ICounterGrain grain = grains.GetGrain<ICounterGrain>(key);

        CounterSnapshot fresh = await grain.ReadAsync();
        Assert.Equal((0, null, false), (fresh.Value, fresh.ETag, fresh.RecordExists));
        Assert.Equal(0, await RowsAsync(key));

        CounterSnapshot written = await grain.AddAsync(5);
        Assert.Equal((5, "1", true), (written.Value, written.ETag, written.RecordExists));
        Assert.Equal(1, await StoredVersionAsync(key));

        // A new activation reads what the old one wrote.
        await grain.DeactivateAsync();
        CounterSnapshot reread = await grain.ReadAsync();
        Assert.NotEqual(written.Activation, reread.Activation);
        Assert.Equal((5, "1", true), (reread.Value, reread.ETag, reread.RecordExists));

        CounterSnapshot updated = await grain.AddAsync(2);
        Assert.Equal((7, "2", true), (updated.Value, updated.ETag, updated.RecordExists));
        Assert.Equal(2, await StoredVersionAsync(key));

        // Clear keeps the row with no payload and a new version, so the ETag keeps guarding it.
        CounterSnapshot cleared = await grain.ClearAsync();
        Assert.Equal((0, "3", false), (cleared.Value, cleared.ETag, cleared.RecordExists));
        Assert.Equal(3, await StoredVersionAsync(key));
        Assert.True(await PayloadIsNullAsync(key));

        await grain.DeactivateAsync();
        CounterSnapshot afterClear = await grain.ReadAsync();
        Assert.NotEqual(cleared.Activation, afterClear.Activation);
        Assert.Equal((0, "3", false), (afterClear.Value, afterClear.ETag, afterClear.RecordExists));

        CounterSnapshot again = await grain.AddAsync(1);
        Assert.Equal((1, "4", true), (again.Value, again.ETag, again.RecordExists));
        Assert.Equal(1, await RowsAsync(key));
    }

    [Fact]
    public async Task StaleETag_IsRefused_OnWriteAndClear()
    {
        IGrainStorage storage = _silo.Services.GetRequiredKeyedService<IGrainStorage>(OrleansTestHost.StorageName);
        string key = "stale-" + Guid.NewGuid().ToString("N");
        GrainId id = GrainId.Create("counter", key);

        var first = new GrainState<CounterState>(new CounterState { Value = 1 });
        await storage.WriteStateAsync("s", id, first);
        Assert.Equal("1", first.ETag);

        var stale = new GrainState<CounterState>(new CounterState { Value = 2 }, "1");
        var current = new GrainState<CounterState>(new CounterState { Value = 3 }, "1");
        await storage.WriteStateAsync("s", id, current);
        Assert.Equal("2", current.ETag);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", id, stale));
        stale.RecordExists = true;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("s", id, stale));

        var read = new GrainState<CounterState>();
        await storage.ReadStateAsync("s", id, read);
        Assert.NotNull(read.State);
        Assert.Equal((3, "2", true), (read.State.Value, read.ETag, read.RecordExists));
    }

    [Fact]
    public async Task DeleteStateOnClear_RemovesTheRow_AndTheNextWriteIsAFirstWrite()
    {
        IGrainStorage storage = _silo.Services.GetRequiredKeyedService<IGrainStorage>(DeletingStorage);
        string key = "delete-" + Guid.NewGuid().ToString("N");
        GrainId id = GrainId.Create("counter", key);

        var state = new GrainState<CounterState>(new CounterState { Value = 4 });
        await storage.WriteStateAsync("s", id, state);
        Assert.Equal(("1", 1L), (state.ETag, await RowsAsync(key)));

        await storage.ClearStateAsync("s", id, state);
        Assert.Equal((null, false, 0L), (state.ETag, state.RecordExists, await RowsAsync(key)));

        state.State = new CounterState { Value = 5 };
        await storage.WriteStateAsync("s", id, state);
        Assert.Equal(("1", 1L), (state.ETag, await RowsAsync(key)));
    }
}
