using Nemo.Cluster.Calls;
using Nemo.Grains.Contracts;
using Nemo.Grains.Fencing;
using Nemo.Grains.Spend;
using Nemo.Grains.Storage;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Runtime;

/// <summary>
/// Single writer per organization whatever Orleans' directory does: a forced duplicate activation
/// (another activation taking the organization's next epoch, as a directory race or a zombie silo
/// would) fences the current one — its ledger writes are refused, it stops admitting and deactivates —
/// and the next activation recovers the reservations in flight from the gateway.
/// </summary>
public sealed class FencingTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private static SettleRequest Usage(AuthorizeRequest request, long cost) =>
        new(request.RequestId, request.OrganizationId, request.TeamId, request.KeyId, null, null, "gpt-4o-mini", "chat/completions", 1, 1, cost, 10, UsageFlags.None, 200, 1);

    private Task<long> EpochAsync(Guid organizationId) =>
        fixture.Database.ScalarAsync<long>("SELECT epoch FROM nemo.organization_activations WHERE organization_id = @org", ("org", organizationId));

    [Fact]
    public async Task ForcedDuplicateActivation_OldOneFenced_NextOneHoldsTheReassertedReservation()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        Guid keyId = await tenant.KeyIdAsync(fixture.Database);
        OrganizationCalls calls = fixture.Host.Get<OrganizationCalls>();
        AuthorizeRequest Request(long cost) => new(Guid.CreateVersion7(), tenant.OrganizationId, tenant.TeamId, keyId, null, "gpt-4o-mini", cost, 10);
        AuthorizeRequest first = Request(300_000_000);
        Assert.True((await calls.AuthorizeAsync(first, CancellationToken.None)).Admitted);
        long epoch = await EpochAsync(tenant.OrganizationId);

        ActivationEpoch duplicate = await fixture.Host.Get<IActivationFence>().TakeAsync(tenant.OrganizationId, "forced-duplicate", CancellationToken.None);

        Assert.True(duplicate.PreviousUnclean);
        Assert.Equal(epoch + 1, duplicate.Epoch);
        // The superseded activation can't write: its epoch is refused by the ledger and the hand-over.
        Assert.Equal(AppendOutcome.Fenced, await fixture.Host.Get<IUsageLedger>().AppendAsync(Usage(Request(1), 1), DateTimeOffset.UtcNow, epoch, CancellationToken.None));
        Assert.False(await fixture.Host.Get<IActivationFence>().HandOverAsync(tenant.OrganizationId, epoch, [], CancellationToken.None));

        // Within one confirmation round it learns it was superseded: it stops admitting and deactivates.
        // (Until then it may still admit: the duplicate's own recovery window keeps the two from overlapping.)
        ActivationLeases leases = fixture.Host.Get<ActivationLeases>();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            while (!leases.IsFencedOrGone(tenant.OrganizationId, epoch))
                await Task.Delay(20, timeout.Token);

        // The call is retried until a new activation serves it, after its recovery window.
        AuthorizeRequest second = Request(200_000_000);
        Assert.True((await calls.AuthorizeAsync(second, CancellationToken.None)).Admitted);
        Assert.True(await EpochAsync(tenant.OrganizationId) > duplicate.Epoch);
        // The first request's reservation came back through the gateway's re-assertion: both are held.
        Assert.Equal(new CreditsView(1_000_000_000, 0, 500_000_000), await calls.GetCreditsAsync(tenant.OrganizationId, CancellationToken.None));
        // ... so a request that would cross the credits with both held is refused.
        Assert.Equal(AuthorizeOutcome.PaymentRequired, (await calls.AuthorizeAsync(Request(600_000_000), CancellationToken.None)).Outcome);

        Assert.Equal(SettleOutcome.Settled, await calls.SettleAsync(Usage(first, 250_000_000), CancellationToken.None));
        Assert.Equal(SettleOutcome.AlreadySettled, await calls.SettleAsync(Usage(first, 250_000_000), CancellationToken.None));
        Assert.Equal(new CreditsView(1_000_000_000, 250_000_000, 200_000_000), await calls.GetCreditsAsync(tenant.OrganizationId, CancellationToken.None));
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE request_id = @id", ("id", first.RequestId)));
    }
}
