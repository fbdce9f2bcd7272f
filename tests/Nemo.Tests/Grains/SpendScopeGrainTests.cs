using Nemo.Grains.Contracts;
using Nemo.Grains.Scopes;
using Nemo.Grains.Spend;
using Nemo.Grains.Storage;
using Nemo.Grains.Tenancy;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Grains;

public sealed class SpendScopeGrainTests
{
    private static readonly Guid Org = Guid.NewGuid();
    private readonly ManualTimeProvider _time = new();
    private readonly InMemorySpendStore _store = new();
    private readonly InMemoryStateFactory _states = new();

    private Reservation Res(long cost, long tokens = 10) => new(Guid.NewGuid(), cost, tokens, _time.GetUtcNow().AddMinutes(5));

    private async Task<OrganizationGrain> OrganizationAsync(long purchased, long? rpm = null)
    {
        _store.Organizations[Org] = new OrganizationRecord(Org, "enterprise", true, purchased, rpm, null, []);
        var grain = new OrganizationGrain(new GrainId(IOrganizationGrain.TypeName, Org, Org.ToString()), _store, _states, _time);
        await grain.OnActivateAsync(CancellationToken.None);
        return grain;
    }

    [Fact]
    public async Task TryReserve_BeyondBalance_RefusedWith402AndNothingChanges()
    {
        OrganizationGrain org = await OrganizationAsync(purchased: 1_000, rpm: 10);
        Assert.True((await org.TryReserve(Res(600))).Admitted);
        CreditsView before = await org.GetCredits();

        ScopeDecision refused = await org.TryReserve(Res(401));

        Assert.Equal(AuthorizeOutcome.PaymentRequired, refused.Outcome);
        Assert.Equal(before, await org.GetCredits());
        Assert.Equal(1, org.ReservationCount);
        // 10 per minute: the first and this one took a unit each; the refused one took none (else 7).
        Assert.Equal(8, (await org.TryReserve(Res(400))).RateLimits.RemainingRequests);
    }

    [Fact]
    public async Task Reserved_EqualsSumOfHeldReservations_AndReleaseIsIdempotent()
    {
        OrganizationGrain org = await OrganizationAsync(purchased: 10_000);
        Reservation a = Res(100), b = Res(250), c = Res(75);
        foreach (Reservation r in new[] { a, b, c })
            Assert.True((await org.TryReserve(r)).Admitted);
        Assert.Equal(425, org.Reserved);

        await org.Release(b.RequestId);
        await org.Release(b.RequestId);
        Assert.Equal(175, org.Reserved);

        await org.Settle(new Charge(a.RequestId, 60, 5, 10, _time.GetUtcNow()));
        CreditsView credits = await org.GetCredits();
        Assert.Equal(new CreditsView(10_000, 60, 75), credits);
        Assert.Equal(10_000 - 60 - 75, credits.Balance);
    }

    [Fact]
    public async Task Reservations_MoveWithTheGrain_SettledOnesAreDropped()
    {
        OrganizationGrain org = await OrganizationAsync(purchased: 10_000);
        Reservation a = Res(100), b = Res(200);
        await org.TryReserve(a);
        await org.TryReserve(b);
        Assert.False(org.CanDeactivate);
        await org.OnDeactivateAsync(CancellationToken.None); // hand-off: flushed with the grain

        _store.Settled.Add(b.RequestId); // b's settle reached the ledger meanwhile
        OrganizationGrain next = await OrganizationAsync(purchased: 10_000);

        Assert.Equal(100, next.Reserved);
        Assert.Equal(1, next.ReservationCount);
        await next.Release(a.RequestId);
        await next.OnDeactivateAsync(CancellationToken.None);
        Assert.Equal(0, (await OrganizationAsync(purchased: 10_000)).Reserved);
    }

    [Fact]
    public async Task SettleIfHeld_ChargesOnlyAReservationStillHeld()
    {
        OrganizationGrain org = await OrganizationAsync(purchased: 10_000);
        Reservation held = Res(500), released = Res(300);
        await org.TryReserve(held);
        await org.TryReserve(released);
        await org.Release(released.RequestId);

        await org.SettleIfHeld(new Charge(held.RequestId, 120, 1, 1, _time.GetUtcNow()));
        await org.SettleIfHeld(new Charge(held.RequestId, 120, 1, 1, _time.GetUtcNow()));     // second time: no longer held
        await org.SettleIfHeld(new Charge(released.RequestId, 90, 1, 1, _time.GetUtcNow()));  // released: not charged

        Assert.Equal(new CreditsView(10_000, 120, 0), await org.GetCredits());
    }

    [Fact]
    public async Task ExpireReservations_ReleasesOnlyExpiredOnes()
    {
        OrganizationGrain org = await OrganizationAsync(purchased: 10_000);
        Reservation shortLived = new(Guid.NewGuid(), 100, 1, _time.GetUtcNow().AddSeconds(10));
        Reservation longLived = new(Guid.NewGuid(), 200, 1, _time.GetUtcNow().AddMinutes(10));
        await org.TryReserve(shortLived);
        await org.TryReserve(longLived);
        _time.Advance(TimeSpan.FromSeconds(11));

        IReadOnlyList<ExpiredReservation> expired = await org.ExpireReservations(_time.GetUtcNow());

        Assert.Equal(shortLived.RequestId, Assert.Single(expired).RequestId);
        Assert.Equal(200, org.Reserved);
    }

    [Theory]
    [InlineData(KeyStatus.Revoked, MemberRole.Owner, AuthorizeOutcome.Unauthorized)]
    [InlineData(KeyStatus.Disabled, MemberRole.Owner, AuthorizeOutcome.Unauthorized)]
    [InlineData(KeyStatus.Active, MemberRole.Viewer, AuthorizeOutcome.Forbidden)]
    [InlineData(KeyStatus.Active, MemberRole.Member, AuthorizeOutcome.Admitted)]
    public async Task ApiKey_StatusAndRole_Decide(KeyStatus status, MemberRole role, AuthorizeOutcome expected)
    {
        Guid keyId = Guid.NewGuid();
        _store.Keys[keyId] = new ApiKeyRecord(keyId, Org, Guid.NewGuid(), Guid.NewGuid(), role, status, null, 5, null);
        var key = new ApiKeyGrain(new GrainId(IApiKeyGrain.TypeName, Org, keyId.ToString()), _store, _states, _time);
        await key.OnActivateAsync(CancellationToken.None);

        ScopeDecision decision = await key.TryReserve(Res(1));

        Assert.Equal(expected, decision.Outcome);
        Assert.Equal(expected == AuthorizeOutcome.Admitted ? 1 : 0, key.ReservationCount);
    }

    [Fact]
    public async Task ApiKey_PastExpiry_Refused()
    {
        Guid keyId = Guid.NewGuid();
        _store.Keys[keyId] = new ApiKeyRecord(keyId, Org, Guid.NewGuid(), null, MemberRole.Owner, KeyStatus.Active, _time.GetUtcNow().AddMinutes(1), null, null);
        var key = new ApiKeyGrain(new GrainId(IApiKeyGrain.TypeName, Org, keyId.ToString()), _store, _states, _time);
        await key.OnActivateAsync(CancellationToken.None);
        Assert.True((await key.TryReserve(Res(1))).Admitted);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(AuthorizeOutcome.Unauthorized, (await key.TryReserve(Res(1))).Outcome);
    }

    [Fact]
    public async Task Budget_NewPeriod_StartsFromZero_AndThresholdsFireOncePerPeriod()
    {
        var scope = new BudgetScope(BudgetScopeKind.Organization, Org.ToString());
        _store.Budgets[scope] = new BudgetRecord(Org, scope, 1_000, BudgetPeriod.Daily, new DateOnly(2026, 1, 1), [50, 80, 100], null, null);
        var states = new InMemoryStateFactory();
        var notifications = new RecordingNotifications();
        BudgetGrain NewGrain() => new(new GrainId(IBudgetGrain.TypeName, Org, scope.ToString()), _store, states, notifications, _time);
        BudgetGrain budget = NewGrain();
        await budget.OnActivateAsync(CancellationToken.None);

        Reservation first = Res(600);
        Assert.True((await budget.TryReserve(first)).Admitted);
        Assert.Equal(AuthorizeOutcome.PaymentRequired, (await budget.TryReserve(Res(401))).Outcome); // 600 reserved + 401 > 1000
        await budget.Settle(new Charge(first.RequestId, 550, 1, 1, _time.GetUtcNow()));
        Assert.Equal([50], notifications.Sent.Select(n => n.Threshold));

        // A new activation (e.g. after a restart) must not fire 50 % again in the same period.
        _store.DurableSpend = 550;
        budget = NewGrain();
        await budget.OnActivateAsync(CancellationToken.None);
        Reservation second = Res(300);
        Assert.True((await budget.TryReserve(second)).Admitted);
        await budget.Settle(new Charge(second.RequestId, 300, 1, 1, _time.GetUtcNow()));
        Assert.Equal([50, 80], notifications.Sent.Select(n => n.Threshold));
        Assert.Equal(AuthorizeOutcome.PaymentRequired, (await budget.TryReserve(Res(151))).Outcome);

        _time.Advance(TimeSpan.FromDays(1));
        Assert.True((await budget.TryReserve(Res(900))).Admitted);
        BudgetView view = await budget.Get();
        Assert.Equal(0, view.Spent);
        Assert.Equal(DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime), view.PeriodStart);
    }
}
