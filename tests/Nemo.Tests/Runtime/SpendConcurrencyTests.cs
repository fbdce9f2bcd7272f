using Nemo.Grains.Contracts;
using Nemo.Grains.Money;
using Nemo.Grains.Spend;
using Nemo.Cluster.Calls;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Runtime;

/// <summary>Invariant 1 (never overspend) and 2 (no partial debit) under concurrency, on real PostgreSQL.</summary>
public sealed class SpendConcurrencyTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private const long Cost = 10_000_000; // 0.01 USD

    [Fact]
    public async Task Authorize_1000ParallelAgainstCreditsFor100_AdmitsExactly100()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: Usd.FromNanos(100 * Cost));
        OrganizationCalls cluster = fixture.Host.Get<OrganizationCalls>();
        Guid keyId = await KeyIdAsync(tenant);
        AuthorizeRequest[] requests = Enumerable.Range(0, 1000)
            .Select(_ => new AuthorizeRequest(Guid.CreateVersion7(), tenant.OrganizationId, tenant.TeamId, keyId, null, "gpt-4o-mini", Cost, 10))
            .ToArray();

        AuthorizeResult[] results = await Task.WhenAll(requests.Select(r => Task.Run(async () => await cluster.AuthorizeAsync(r, CancellationToken.None))));

        AuthorizeRequest[] admitted = requests.Where((_, i) => results[i].Admitted).ToArray();
        Assert.Equal(100, admitted.Length);
        Assert.All(results.Where(r => !r.Admitted), r => Assert.Equal(AuthorizeOutcome.PaymentRequired, r.Outcome));
        Assert.Equal(new CreditsView(100 * Cost, 0, 100 * Cost), await cluster.GetCreditsAsync(tenant.OrganizationId, CancellationToken.None));

        // Settle each admitted request at a different actual cost, all at most the reservation.
        long[] actual = admitted.Select((_, i) => Cost - i * 1_000).ToArray();
        SettleOutcome[] outcomes = await Task.WhenAll(admitted.Select((r, i) => Task.Run(async () => await cluster.SettleAsync(
            new SettleRequest(r.RequestId, r.OrganizationId, r.TeamId, r.KeyId, null, null, "gpt-4o-mini", "chat/completions", 10, 10, actual[i], 10, UsageFlags.None, 200, 1),
            CancellationToken.None))));

        Assert.All(outcomes, o => Assert.Equal(SettleOutcome.Settled, o));
        long expected = actual.Sum();
        Assert.Equal(new CreditsView(100 * Cost, expected, 0), await cluster.GetCreditsAsync(tenant.OrganizationId, CancellationToken.None));
        Assert.Equal(expected, await fixture.Database.ScalarAsync<long>(
            "SELECT sum(cost)::bigint FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId)));
        Assert.Equal(100L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId)));
        Assert.Equal(expected, await fixture.Database.ScalarAsync<long>(
            "SELECT sum(cost)::bigint FROM nemo.usage_daily WHERE organization_id = @org AND scope = 'organization'", ("org", tenant.OrganizationId)));
    }

    [Fact]
    public async Task Settle_Retried5Times_LeavesOneLedgerRowAndOneDebit()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        OrganizationCalls cluster = fixture.Host.Get<OrganizationCalls>();
        Guid keyId = await KeyIdAsync(tenant);
        var authorize = new AuthorizeRequest(Guid.CreateVersion7(), tenant.OrganizationId, tenant.TeamId, keyId, "cust-1", "gpt-4o-mini", Cost, 10);
        Assert.True((await cluster.AuthorizeAsync(authorize, CancellationToken.None)).Admitted);
        var settle = new SettleRequest(authorize.RequestId, tenant.OrganizationId, tenant.TeamId, keyId, null, "cust-1", "gpt-4o-mini", "chat/completions", 5, 5, 7_000, 10, UsageFlags.None, 200, 1);

        SettleOutcome first = await cluster.SettleAsync(settle, CancellationToken.None);
        SettleOutcome[] retries = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => cluster.SettleAsync(settle, CancellationToken.None).AsTask()));

        Assert.Equal(SettleOutcome.Settled, first);
        Assert.All(retries, r => Assert.Equal(SettleOutcome.AlreadySettled, r));
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE request_id = @id", ("id", settle.RequestId)));
        CreditsView credits = await cluster.GetCreditsAsync(tenant.OrganizationId, CancellationToken.None);
        Assert.Equal(7_000, credits.Spent);
        Assert.Equal(0, credits.Reserved);
        Assert.Equal(7_000L, await fixture.Database.ScalarAsync<long>(
            "SELECT cost FROM nemo.usage_daily WHERE organization_id = @org AND scope = 'customer' AND scope_id = 'cust-1'", ("org", tenant.OrganizationId)));
    }

    [Fact]
    public async Task Authorize_RefusedByLaterScope_ReleasesEarlierScopes()
    {
        // Key allows 1 request per minute; credits can't cover the request → 402 from the organization.
        // If the key's request unit were kept, the next (affordable) request would get 429.
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: Usd.FromNanos(Cost));
        Guid keyId = await KeyIdAsync(tenant);
        await fixture.Database.ExecuteAsync("UPDATE nemo.api_keys SET rpm = 1 WHERE id = @id", ("id", keyId));
        OrganizationCalls cluster = fixture.Host.Get<OrganizationCalls>();
        await cluster.RefreshAsync(tenant.OrganizationId, new ScopeChange(ScopeChangeKind.Key, keyId.ToString()), CancellationToken.None);

        AuthorizeResult tooExpensive = await cluster.AuthorizeAsync(new AuthorizeRequest(Guid.CreateVersion7(), tenant.OrganizationId, tenant.TeamId, keyId, null, "m", Cost + 1, 1), CancellationToken.None);
        AuthorizeResult affordable = await cluster.AuthorizeAsync(new AuthorizeRequest(Guid.CreateVersion7(), tenant.OrganizationId, tenant.TeamId, keyId, null, "m", Cost, 1), CancellationToken.None);
        AuthorizeResult third = await cluster.AuthorizeAsync(new AuthorizeRequest(Guid.CreateVersion7(), tenant.OrganizationId, tenant.TeamId, keyId, null, "m", 1, 1), CancellationToken.None);

        Assert.Equal(AuthorizeOutcome.PaymentRequired, tooExpensive.Outcome);
        Assert.Equal(AuthorizeOutcome.Admitted, affordable.Outcome);
        Assert.Equal(AuthorizeOutcome.RateLimited, third.Outcome);
        Assert.True(third.RetryAfterMs > 0);
    }

    private Task<Guid> KeyIdAsync(Tenant tenant) => tenant.KeyIdAsync(fixture.Database);
}
