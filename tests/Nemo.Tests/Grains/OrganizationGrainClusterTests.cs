using Microsoft.Extensions.Configuration;
using Nemo.Cluster.Hosting;
using Nemo.Grains.Contracts;
using Nemo.Grains.Spend;
using Nemo.Tests.Infrastructure;
using Nemo.Tests.Orleans;
using Orleans.TestingHost;

namespace Nemo.Tests.Grains;

/// <summary>
/// The real <c>OrganizationGrain</c> on an Orleans test cluster (Orleans.TestingHost, two in-process
/// silos) with its PostgreSQL storage: a graceful silo stop hands the reservations over to the next
/// activation, and two concurrent settles of one request charge it once.
/// </summary>
public sealed class OrganizationGrainClusterTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();
    private readonly Guid _organization = Guid.NewGuid(), _team = Guid.NewGuid(), _key = Guid.NewGuid();
    private InProcessTestCluster _cluster = null!;

    public async ValueTask InitializeAsync()
    {
        await _database.InitializeAsync();
        await OrleansTestHost.MigrateAsync(_database.ConnectionString);
        await _database.ExecuteAsync(
            """
            INSERT INTO nemo.organizations (id, name, slug, credits_purchased) VALUES (@org, 'Grain test', @slug, 1000000000);
            INSERT INTO nemo.teams (id, organization_id, name, is_default) VALUES (@team, @org, 'Default', true);
            INSERT INTO nemo.api_keys (id, organization_id, team_id, name, prefix, key_hash) VALUES (@key, @org, @team, 'k', 'sk-nemo-t', @hash);
            """,
            ("org", _organization), ("slug", "grain-" + _organization.ToString("N")), ("team", _team), ("key", _key), ("hash", Guid.NewGuid().ToByteArray()));
        var builder = new InProcessTestClusterBuilder(2);
        string connectionString = _database.ConnectionString;
        builder.ConfigureHost(host => host.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Nemo"] = connectionString }));
        builder.ConfigureSiloHost((_, host) => host.AddNemoGrainServices());
        builder.ConfigureSilo((_, silo) => silo.AddNemoGrains(connectionString));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _database.DisposeAsync();
    }

    private IOrganizationGrain Grain => _cluster.Client.GetGrain<IOrganizationGrain>(_organization);

    private AuthorizeRequest Request(long cost) => new(Guid.CreateVersion7(), _organization, _team, _key, null, "gpt-4o-mini", cost, 10);

    private SettleRequest Usage(AuthorizeRequest request, long cost) =>
        new(request.RequestId, _organization, _team, _key, null, null, "gpt-4o-mini", "chat/completions", 1, 1, cost, 10, UsageFlags.None, 200, 1);

    [Fact]
    public async Task GracefulSiloStop_NextActivationHoldsTheHandedOverReservation_WithoutARecoveryWait()
    {
        AuthorizeRequest held = Request(300_000_000);
        Assert.True((await Grain.Authorize(held)).Admitted);
        string hosting = await _database.ScalarAsync<string>("SELECT silo FROM nemo.organization_activations WHERE organization_id = @org", ("org", _organization));
        InProcessSiloHandle silo = _cluster.Silos.Single(s => s.SiloAddress.ToString() == hosting);

        await _cluster.StopSiloAsync(silo);

        Assert.False(await _database.ScalarAsync<bool>("SELECT active FROM nemo.organization_activations WHERE organization_id = @org", ("org", _organization)));
        Assert.Equal(new CreditsView(1_000_000_000, 0, 300_000_000), await Grain.GetCredits()); // re-activated elsewhere, reservation restored
        Assert.Equal(2L, await _database.ScalarAsync<long>("SELECT epoch FROM nemo.organization_activations WHERE organization_id = @org", ("org", _organization)));
        Assert.Equal(AuthorizeOutcome.PaymentRequired, (await Grain.Authorize(Request(700_000_001))).Outcome);
        Assert.True(await Grain.Release(held.RequestId));
        Assert.Equal(new CreditsView(1_000_000_000, 0, 0), await Grain.GetCredits());
    }

    [Fact]
    public async Task ConcurrentSettlesOfOneRequest_OneUsageEvent_ChargedOnce()
    {
        AuthorizeRequest request = Request(300_000_000);
        Assert.True((await Grain.Authorize(request)).Admitted);

        SettleOutcome[] outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Grain.Settle(Usage(request, 120_000_000))));

        Assert.All(outcomes, o => Assert.True(o is SettleOutcome.Settled or SettleOutcome.AlreadySettled));
        Assert.Equal(new CreditsView(1_000_000_000, 120_000_000, 0), await Grain.GetCredits());
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE request_id = @id", ("id", request.RequestId)));
        Assert.Equal(SettleOutcome.AlreadySettled, await Grain.Settle(Usage(request, 120_000_000)));
        Assert.Equal(120_000_000, (await Grain.GetCredits()).Spent);
    }

    [Fact]
    public async Task DatabaseErrorDuringActivation_ReachesARemoteCallerAsADatabaseError_NotACodecFailure()
    {
        // The client is a separate Orleans host: the silo's answer crosses the wire, and an exception
        // type Orleans can't serialize would arrive as CodecNotFoundException, which callers don't retry.
        await _database.AdminExecuteAsync("ALTER TABLE nemo.organization_activations RENAME TO organization_activations_away");

        Exception thrown = await Assert.ThrowsAnyAsync<Exception>(() => Grain.GetCredits());

        Assert.IsAssignableFrom<System.Data.Common.DbException>(thrown);
        Assert.Contains("organization_activations", thrown.Message);
        await _database.AdminExecuteAsync("ALTER TABLE nemo.organization_activations_away RENAME TO organization_activations");
        Assert.Equal(new CreditsView(1_000_000_000, 0, 0), await Grain.GetCredits()); // the next call activates
    }
}
