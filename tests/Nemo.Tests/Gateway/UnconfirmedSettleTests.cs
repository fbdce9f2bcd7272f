using System.Net;
using Nemo.Cluster.Calls;
using Nemo.Grains.Contracts;
using Nemo.Grains.Spend;
using Nemo.Tests.Infrastructure;
using Npgsql;
using static Nemo.Tests.Gateway.ProxyProbe;

namespace Nemo.Tests.Gateway;

/// <summary>
/// A settle that can't be confirmed within the call deadline (3 s here) is decided before the client
/// is answered: an answer that says "not billed, retry" is final (a zero-cost abandonment holds the
/// request id, so the settle can never land later), a settle that lands meanwhile delivers the
/// response, and when neither can be confirmed the client is told the outcome is unknown, never
/// "retry".
/// </summary>
public sealed class UnconfirmedSettleTests(ShortCallDeadlineFixture fixture) : IClassFixture<ShortCallDeadlineFixture>
{
    private static readonly object Hello = new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "hello" } } };

    [Fact]
    public async Task SettleFailingPastTheDeadline_AnsweredNotBilled_AndALaterSettleChargesNothing()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        // Every usage event of this organization is refused, except an abandonment (flag 64).
        await fixture.Database.AdminExecuteAsync(
            $"""
            CREATE FUNCTION nemo.test_refuse_usage() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the ledger refuses (test)'; END $$;
            CREATE TRIGGER test_refuse_usage BEFORE INSERT ON nemo.usage_events FOR EACH ROW
                WHEN ((NEW.flags & 64) = 0 AND NEW.organization_id = '{tenant.OrganizationId}') EXECUTE FUNCTION nemo.test_refuse_usage();
            """);
        Outcome outcome;
        try
        {
            outcome = await SendAsync(fixture, tenant, Hello);
        }
        finally
        {
            await fixture.Database.AdminExecuteAsync("DROP TRIGGER test_refuse_usage ON nemo.usage_events; DROP FUNCTION nemo.test_refuse_usage();");
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, outcome.Status);
        Assert.Equal("service_unavailable", outcome.ErrorCode);
        Assert.Contains("It was not billed", outcome.Body);
        UsageRow? row = await RowAsync(fixture.Database, outcome.RequestId);
        Assert.NotNull(row);
        Assert.Equal((0L, (int)UsageFlags.Abandoned), (row.Cost, row.Flags));
        Assert.Equal(new CreditsView(1_000_000_000, 0, 0), await CreditsAsync(fixture, tenant));

        // A settle of the same request arriving late (a retry still in flight somewhere) bills nothing.
        SettleRequest lateSettle = LateSettle(tenant, await tenant.KeyIdAsync(fixture.Database), outcome.RequestId);
        SettleOutcome late = await fixture.Host.Get<OrganizationCalls>().SettleAsync(lateSettle, CancellationToken.None);
        Assert.Equal(SettleOutcome.AlreadySettled, late);
        Assert.Equal(new CreditsView(1_000_000_000, 0, 0), await CreditsAsync(fixture, tenant));
        Assert.Equal(1L, await LedgerStall.CountAsync(fixture.Database, outcome.RequestId));
    }

    [Fact]
    public async Task SettleLandingAfterTheDeadline_TheResponseIsDeliveredAndBilledOnce()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        Outcome outcome;
        await using (NpgsqlConnection locker = await LedgerStall.LockAsync(fixture.Database))
        {
            Task<Outcome> sent = SendAsync(fixture, tenant, Hello);
            await LedgerStall.WaitForBlockedInsertAsync(fixture.Database, CancellationToken.None);
            // Past the call deadline (3 s) the gateway abandons, and the abandonment waits for the stalled settle.
            await Task.Delay(TimeSpan.FromSeconds(4));
            Assert.False(sent.IsCompleted, "the client was answered while its settle was still in flight");
            await locker.DisposeAsync(); // the stalled settle commits
            outcome = await sent;
        }

        Assert.Equal(HttpStatusCode.OK, outcome.Status);
        Assert.Contains("\"choices\"", outcome.Body);
        UsageRow row = await AssertChargedAsync(fixture, tenant, outcome);
        Assert.Equal(0, row.Flags);
        Assert.Equal(1L, await LedgerStall.CountAsync(fixture.Database, outcome.RequestId));
    }

    [Fact]
    public async Task LedgerStalledPastBothDeadlines_ClientToldTheOutcomeIsUnknown_NotToRetry()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        Outcome outcome;
        await using (NpgsqlConnection locker = await LedgerStall.LockAsync(fixture.Database))
        {
            outcome = await SendAsync(fixture, tenant, Hello); // settle 3 s, then abandonment 3 s
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, outcome.Status);
        Assert.Equal("usage_outcome_unknown", outcome.ErrorCode);
        Assert.DoesNotContain("retry the request", outcome.Body);
        // The stalled settle lands once the lock goes: billed once, and the client was not told otherwise.
        UsageRow? row = null;
        for (int i = 0; i < 100 && row is null; i++)
        {
            await Task.Delay(100);
            row = await RowAsync(fixture.Database, outcome.RequestId);
        }
        Assert.NotNull(row);
        Assert.Equal(1L, await LedgerStall.CountAsync(fixture.Database, outcome.RequestId));
    }

    private static SettleRequest LateSettle(Tenant tenant, Guid keyId, Guid requestId) =>
        new(requestId, tenant.OrganizationId, tenant.TeamId, keyId, null, null, "gpt-4o-mini", "chat/completions",
            5, 10, 50_000, 100, UsageFlags.None, 200, 1);
}

/// <summary>A Nemo whose grain calls are retried for 3 s (1 s per attempt) before the gateway gives up.</summary>
public sealed class ShortCallDeadlineFixture : NemoHostFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Nemo:Cluster:CallDeadline"] = "00:00:03",
        ["Nemo:Cluster:ResponseTimeout"] = "00:00:01",
    };
}
