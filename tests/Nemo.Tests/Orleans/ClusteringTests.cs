using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Nemo.Tests.Infrastructure;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Nemo.Tests.Orleans;

/// <summary>
/// Orleans' ADO.NET clustering (10.4.2) on Nemo's migration: two silos join through the membership tables,
/// a client finds them through the gateway query and calls grains on both, a silo that stops is seen as
/// such by the other and in the table, and the defunct-silo cleanup removes exactly the dead row.
/// </summary>
public sealed class ClusteringTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();
    private readonly string _clusterId = "nemo-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<IHost> _hosts = [];

    public async ValueTask InitializeAsync()
    {
        await _database.InitializeAsync();
        await OrleansTestHost.MigrateAsync(_database.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (IHost host in Enumerable.Reverse(_hosts))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await host.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // A host already stopped by the test, or one that would not stop in time: dispose it anyway.
            }
            host.Dispose();
        }
        await _database.DisposeAsync();
    }

    private async Task<IHost> TrackAsync(Task<IHost> starting)
    {
        IHost host = await starting;
        _hosts.Add(host);
        return host;
    }

    private Task<List<(string Address, int Port, int Status)>> RowsAsync() => ListAsync(
        "SELECT address, port, status FROM orleansmembershiptable WHERE deploymentid = @cluster ORDER BY port",
        r => (r.GetString(0), r.GetInt32(1), r.GetInt32(2)));

    private async Task<List<T>> ListAsync<T>(string sql, Func<Npgsql.NpgsqlDataReader, T> read)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("cluster", _clusterId);
        await using Npgsql.NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
            rows.Add(read(reader));
        return rows;
    }

    /// <summary>Waits until <paramref name="observer"/>'s membership view shows <paramref name="silo"/> in a status accepted by <paramref name="accept"/>.</summary>
    private static async Task<SiloStatus> SeenAsync(IHost observer, SiloAddress silo, Func<SiloStatus, bool> accept)
    {
        var membership = observer.Services.GetRequiredService<IClusterMembershipService>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        SiloStatus status = membership.CurrentSnapshot.GetSiloStatus(silo);
        if (accept(status))
            return status;
        await foreach (ClusterMembershipSnapshot snapshot in membership.MembershipUpdates.WithCancellation(timeout.Token))
        {
            status = snapshot.GetSiloStatus(silo);
            if (accept(status))
                return status;
        }
        throw new InvalidOperationException("membership updates ended");
    }

    private static SiloAddress AddressOf(IHost silo) => silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

    [Fact]
    public async Task TwoSilos_JoinThroughTheTables_ServeAClient_AndSeeEachOtherStop()
    {
        IHost first = await TrackAsync(OrleansTestHost.StartSiloAsync(_database.ConnectionString, _clusterId));
        IHost second = await TrackAsync(OrleansTestHost.StartSiloAsync(_database.ConnectionString, _clusterId));
        SiloAddress firstAddress = AddressOf(first), secondAddress = AddressOf(second);

        // Each silo sees the other Active: they found each other through OrleansMembershipTable.
        Assert.Equal(SiloStatus.Active, await SeenAsync(first, secondAddress, s => s == SiloStatus.Active));
        Assert.Equal(SiloStatus.Active, await SeenAsync(second, firstAddress, s => s == SiloStatus.Active));
        List<(string Address, int Port, int Status)> rows = await RowsAsync();
        Assert.Equal(
            new[] { firstAddress, secondAddress }.Select(a => ("127.0.0.1", a.Endpoint.Port, 3)).OrderBy(r => r.Item2),
            rows);
        Assert.Equal(2, (await ListAsync(
            "SELECT proxyport FROM orleansmembershiptable WHERE deploymentid = @cluster AND proxyport > 0", r => r.GetInt32(0))).Count);

        // A client finds the gateways through GatewaysQueryKey and reaches grains on both silos.
        IHost client = await TrackAsync(OrleansTestHost.StartClientAsync(_database.ConnectionString, _clusterId));
        var grains = client.Services.GetRequiredService<IClusterClient>();
        string[] silos = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => grains.GetGrain<IWhereGrain>(i).SiloAsync()));
        Assert.Equal(
            new[] { firstAddress.ToParsableString(), secondAddress.ToParsableString() }.Order(),
            silos.Distinct().Order());

        // The second silo stops: the first sees it terminating or dead, and the table says so.
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            await second.StopAsync(timeout.Token);
        SiloStatus seen = await SeenAsync(first, secondAddress, s => s is SiloStatus.ShuttingDown or SiloStatus.Stopping or SiloStatus.Dead);
        Assert.True(seen is SiloStatus.ShuttingDown or SiloStatus.Stopping or SiloStatus.Dead, seen.ToString());
        Assert.Equal(SiloStatus.Dead, await SeenAsync(first, secondAddress, s => s == SiloStatus.Dead));
        rows = await RowsAsync();
        Assert.Contains(("127.0.0.1", secondAddress.Endpoint.Port, 6), rows);
        Assert.Contains(("127.0.0.1", firstAddress.Endpoint.Port, 3), rows);

        // The client keeps working through the remaining gateway.
        Assert.Equal(firstAddress.ToParsableString(), await grains.GetGrain<IWhereGrain>(1000).SiloAsync());

        // Defunct-silo cleanup (CleanupDefunctSiloEntryKey) deletes the dead row and only it.
        var table = first.Services.GetRequiredService<IMembershipTable>();
        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);
        Assert.Equal([("127.0.0.1", firstAddress.Endpoint.Port, 3)], await RowsAsync());
    }
}
