using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Nemo.Grains.Contracts;
using Nemo.Grains.Spend;
using Nemo.Grains.Storage;
using Nemo.Grains.Tenancy;
using Nemo.Runtime.Activation;
using Nemo.Runtime.Client;
using Nemo.Runtime.Hosting;
using Nemo.Runtime.Partitions;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Runtime;

/// <summary>Grain state and the ledger on real PostgreSQL: survival across deactivation and restarts, fencing by epoch.</summary>
public sealed class PersistenceTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();
    private NemoTestHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        await _database.InitializeAsync();
        _host = await NemoTestHost.StartAsync(_database.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _database.DisposeAsync();
    }

    private static async Task<Guid> SpendAsync(ClusterClient cluster, Tenant tenant, Guid keyId, long cost, string? customer = null)
    {
        var request = new AuthorizeRequest(Guid.CreateVersion7(), tenant.OrganizationId, tenant.TeamId, keyId, customer, "gpt-4o-mini", cost, 10);
        Assert.True((await cluster.AuthorizeAsync(request, CancellationToken.None)).Admitted);
        Assert.Equal(SettleOutcome.Settled, await cluster.SettleAsync(new SettleRequest(request.RequestId, tenant.OrganizationId, tenant.TeamId, keyId,
            null, customer, "gpt-4o-mini", "chat/completions", 1, 1, cost, 10, UsageFlags.None, 200, 1), CancellationToken.None));
        return request.RequestId;
    }

    [Fact]
    public async Task State_SurvivesDeactivationAndSiloRestart()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);
        Guid keyId = await tenant.KeyIdAsync(_database);
        ClusterClient cluster = _host.Get<ClusterClient>();
        using (HttpResponseMessage put = await _host.Client.SendAsync(tenant.Request(HttpMethod.Put, $"/v1/budgets/organization/{tenant.OrganizationId}",
            new { limit = 0.5m, period = "monthly", soft_thresholds = new[] { 10 } })))
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        await SpendAsync(cluster, tenant, keyId, 60_000_000); // 0.06 USD: crosses the 10 % threshold of 0.50
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM nemo.notifications WHERE organization_id = @org", ("org", tenant.OrganizationId)));

        Catalog catalog = _host.Get<Catalog>();
        await catalog.DeactivateAllAsync(_ => true, CancellationToken.None);
        Assert.Equal(0, catalog.Count);
        Assert.Equal(new CreditsView(1_000_000_000, 60_000_000, 0), await cluster.GetCreditsAsync(tenant.OrganizationId, CancellationToken.None));
        Assert.Equal(60_000_000, (await cluster.GetBudgetAsync(tenant.OrganizationId, new BudgetScope(BudgetScopeKind.Organization, tenant.OrganizationId.ToString()), CancellationToken.None)).Spent);

        // Restart the silo (the whole all-in-one process) on the same database.
        await _host.Gateway.StopAsync();
        await using WebApplication restarted = await NemoTestHost.StartGatewayAsync(_database.ConnectionString, _host.UpstreamUrl);
        ClusterClient after = restarted.Services.GetRequiredService<ClusterClient>();
        Assert.Equal(new CreditsView(1_000_000_000, 60_000_000, 0), await after.GetCreditsAsync(tenant.OrganizationId, CancellationToken.None));

        // The fired threshold is remembered: more spend in the same period does not fire 10 % again.
        await SpendAsync(after, tenant, keyId, 1_000_000);
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM nemo.notifications WHERE organization_id = @org", ("org", tenant.OrganizationId)));
        Assert.Equal(61_000_000, (await after.GetCreditsAsync(tenant.OrganizationId, CancellationToken.None)).Spent);
        await restarted.StopAsync();
    }

    [Fact]
    public async Task StaleEpoch_LedgerAndStateWritesRefused()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);
        Guid keyId = await tenant.KeyIdAsync(_database);
        int partition = PartitionMap.PartitionOf(tenant.OrganizationId, _host.Get<ClusterOptions>().PartitionCount);
        IUsageLedger ledger = _host.Get<IUsageLedger>();
        IPersistentState<Probe> state = _host.Get<IPersistentStateFactory>().Create<Probe>(new GrainId("probe", tenant.OrganizationId, "p"), "probe");
        state.State.Value = 1;
        await state.WriteAsync(CancellationToken.None); // control: the current epoch may write

        // Another silo takes the partition over: owner changes and the epoch moves on.
        await _database.ExecuteAsync("UPDATE nemo.partition_leases SET owner_silo = @other, epoch = epoch + 1 WHERE partition = @p",
            ("other", Guid.NewGuid()), ("p", partition));

        var usage = new SettleRequest(Guid.CreateVersion7(), tenant.OrganizationId, tenant.TeamId, keyId, null, null, "gpt-4o-mini", "chat/completions", 1, 1, 5, 1, UsageFlags.None, 200, 1);
        Assert.Equal(AppendOutcome.Fenced, await ledger.AppendAsync(usage, DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE request_id = @id", ("id", usage.RequestId)));

        state.State.Value = 2;
        await Assert.ThrowsAsync<StateConflictException>(() => state.WriteAsync(CancellationToken.None));
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT (payload->>'Value')::bigint FROM nemo.grain_state WHERE grain_id LIKE 'probe/%'"));
    }

    [Fact]
    public async Task StateWrite_WithStaleETag_Refused()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client);
        IPersistentStateFactory states = _host.Get<IPersistentStateFactory>();
        var id = new GrainId("probe", tenant.OrganizationId, "etag");
        IPersistentState<Probe> first = states.Create<Probe>(id, "probe");
        IPersistentState<Probe> second = states.Create<Probe>(id, "probe");
        await first.ReadAsync(CancellationToken.None);
        await second.ReadAsync(CancellationToken.None);
        await first.WriteAsync(CancellationToken.None);
        await Assert.ThrowsAsync<StateConflictException>(() => second.WriteAsync(CancellationToken.None));
    }

    public sealed class Probe
    {
        public long Value { get; set; }
    }
}
