using Nemo.Cluster.Calls;
using Nemo.Grains.Contracts;
using Nemo.Grains.Spend;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Runtime;

/// <summary>
/// A reservation that expires while PostgreSQL is unreachable: its unsettled record can't be written
/// then, and is kept and retried until it is, never dropped (every admitted request ends with one usage
/// event or one unsettled record).
/// </summary>
public sealed class UnsettledAcrossOutageTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();
    private NemoTestHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        await _database.InitializeAsync();
        _host = await NemoTestHost.StartAsync(_database.ConnectionString, new Dictionary<string, string?>
        {
            ["Nemo:Spend:ReservationTtl"] = "00:00:03",
            ["Nemo:Gateway:UpstreamTimeout"] = "00:00:01",
            ["Nemo:Cluster:CallDeadline"] = "00:00:02",
            ["Nemo:Cluster:ResponseTimeout"] = "00:00:01",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _database.SetConnectionsAllowedAsync(true);
        await _host.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task ReservationExpiringDuringAnOutage_IsRecordedUnsettledOnceTheDatabaseReturns()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);
        Guid keyId = await tenant.KeyIdAsync(_database);
        var calls = _host.Get<OrganizationCalls>();
        var request = new AuthorizeRequest(Guid.CreateVersion7(), tenant.OrganizationId, tenant.TeamId, keyId, null, "gpt-4o-mini", 7_000, 10);
        Assert.True((await calls.AuthorizeAsync(request, CancellationToken.None)).Admitted);

        await _database.SetConnectionsAllowedAsync(false);
        await Task.Delay(TimeSpan.FromSeconds(5)); // the reservation expires (3 s) and its record can't be written
        await _database.SetConnectionsAllowedAsync(true);

        long recorded = 0;
        for (int i = 0; i < 150 && recorded == 0; i++)
        {
            await Task.Delay(100);
            try
            {
                recorded = await _database.ScalarAsync<long>("SELECT count(*) FROM nemo.unsettled_reservations WHERE request_id = @id", ("id", request.RequestId));
            }
            catch (Npgsql.NpgsqlException)
            {
                // a pooled connection of this test's own, terminated by the outage: the next one is new
            }
        }
        Assert.Equal(1L, recorded);
        Assert.Equal(7_000L, await _database.ScalarAsync<long>("SELECT reserved_cost FROM nemo.unsettled_reservations WHERE request_id = @id", ("id", request.RequestId)));
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE request_id = @id", ("id", request.RequestId)));
        Assert.Equal(new CreditsView(1_000_000_000, 0, 0), await calls.GetCreditsAsync(tenant.OrganizationId, CancellationToken.None));
    }
}
