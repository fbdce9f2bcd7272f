using Nemo.Grains.Contracts;
using Nemo.Grains.Organization;
using Nemo.Grains.Scopes;
using Nemo.Grains.Spend;
using Nemo.Grains.Storage;
using Nemo.Grains.Tenancy;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Grains;

/// <summary>The organization aggregate's guarantees, without Orleans: all-or-nothing reserve, release and settle by request id, expiry, scope checks, budget periods.</summary>
public sealed class SpendBookTests
{
    private static readonly Guid Org = Guid.NewGuid();
    private static readonly Guid Team = Guid.NewGuid();
    private readonly ManualTimeProvider _time = new();
    private readonly InMemorySpendStore _store = new();

    private async Task<(SpendBook Book, Guid Key)> BookAsync(long purchased, long? orgRpm = null, MemberRole role = MemberRole.Member,
        KeyStatus status = KeyStatus.Active, bool teamActive = true, IReadOnlyList<BudgetScope>? budgets = null, DateTimeOffset? keyExpiry = null)
    {
        Guid key = Guid.NewGuid();
        _store.Organizations[Org] = new OrganizationRecord(Org, "enterprise", true, purchased, orgRpm, null, budgets ?? []);
        _store.Teams[Team] = new TeamRecord(Team, Org, teamActive, null, null);
        _store.Keys[key] = new ApiKeyRecord(key, Org, Team, Guid.NewGuid(), role, status, keyExpiry, null, null);
        var book = new SpendBook(Org, _store, _time);
        await book.LoadAsync(CancellationToken.None);
        return (book, key);
    }

    private AuthorizeRequest Request(Guid key, long cost, string? customer = null) =>
        new(Guid.NewGuid(), Org, Team, key, customer, "gpt-4o-mini", cost, 10);

    private async Task<AuthorizeResult> ReserveAsync(SpendBook book, AuthorizeRequest request) =>
        book.Reserve(request, await book.ScopesAsync(request.TeamId, request.KeyId, request.CustomerId, CancellationToken.None), _time.GetUtcNow().AddMinutes(5));

    [Fact]
    public async Task Reserve_BeyondBalance_RefusedWith402AndNothingChanges()
    {
        (SpendBook book, Guid key) = await BookAsync(purchased: 1_000, orgRpm: 10);
        Assert.True((await ReserveAsync(book, Request(key, 600))).Admitted);
        CreditsView before = book.Organization.Credits;

        AuthorizeResult refused = await ReserveAsync(book, Request(key, 401));

        Assert.Equal(AuthorizeOutcome.PaymentRequired, refused.Outcome);
        Assert.Equal(before, book.Organization.Credits);
        Assert.Equal(1, book.HeldCount);
        // 10 per minute: the first and this one took a unit each; the refused one took none (else 7).
        Assert.Equal(8, (await ReserveAsync(book, Request(key, 400))).RateLimits.RemainingRequests);
    }

    [Fact]
    public async Task Reserve_RefusedByALaterScope_ReleasesTheEarlierOnes()
    {
        var budget = new BudgetScope(BudgetScopeKind.Team, Team.ToString());
        _store.Budgets[budget] = new BudgetRecord(Org, budget, 500, BudgetPeriod.Total, new DateOnly(2026, 1, 1), [], null, null);
        (SpendBook book, Guid key) = await BookAsync(purchased: 10_000, budgets: [budget]);

        Assert.Equal(AuthorizeOutcome.PaymentRequired, (await ReserveAsync(book, Request(key, 501))).Outcome);

        Assert.Equal(0, book.HeldCount);
        Assert.Equal(0, book.Organization.Reserved); // the organization scope had reserved before the budget refused
        Assert.Equal(0, book.BudgetView(budget).Reserved);
    }

    [Fact]
    public async Task ReleaseAndSettle_ByRequestIdAlone_AreIdempotent()
    {
        (SpendBook book, Guid key) = await BookAsync(purchased: 10_000);
        AuthorizeRequest a = Request(key, 100), b = Request(key, 250), c = Request(key, 75);
        foreach (AuthorizeRequest r in new[] { a, b, c })
            Assert.True((await ReserveAsync(book, r)).Admitted);
        Assert.Equal(425, book.Organization.Reserved);

        Assert.True(book.Release(b.RequestId));
        Assert.False(book.Release(b.RequestId));
        Assert.Equal(175, book.Organization.Reserved);

        book.Charge(new Charge(a.RequestId, 60, 5, 10, _time.GetUtcNow()), book.HeldScopes(a.RequestId)!);
        Assert.Null(book.HeldScopes(a.RequestId));
        Assert.Equal(new CreditsView(10_000, 60, 75), book.Organization.Credits);
    }

    [Fact]
    public async Task Reserve_RetriedWithTheSameRequestId_HoldsOnce()
    {
        (SpendBook book, Guid key) = await BookAsync(purchased: 1_000);
        AuthorizeRequest request = Request(key, 600);
        Assert.True((await ReserveAsync(book, request)).Admitted);
        Assert.True((await ReserveAsync(book, request)).Admitted);
        Assert.Equal(600, book.Organization.Reserved);
    }

    [Fact]
    public async Task HandedOverReservations_AreHeldWithoutChecks_AndReleasedByIdLater()
    {
        (SpendBook book, Guid key) = await BookAsync(purchased: 100);
        var held = new HeldReservation(Guid.NewGuid(), Team, key, null, 5_000, 10, _time.GetUtcNow().AddMinutes(5));
        book.Hold(held, await book.ScopesAsync(Team, key, null, CancellationToken.None)); // more than the balance: held anyway
        Assert.Equal(5_000, book.Organization.Reserved);
        Assert.Equal(AuthorizeOutcome.PaymentRequired, (await ReserveAsync(book, Request(key, 1))).Outcome);
        Assert.Equal(held, Assert.Single(book.HeldReservations()));
        Assert.True(book.Release(held.RequestId));
        Assert.Equal(0, book.Organization.Reserved);
    }

    [Fact]
    public async Task Expire_ReleasesOnlyExpiredOnes()
    {
        (SpendBook book, Guid key) = await BookAsync(purchased: 10_000);
        AuthorizeRequest shortLived = Request(key, 100), longLived = Request(key, 200);
        SpendScope[] scopes = await book.ScopesAsync(Team, key, null, CancellationToken.None);
        book.Reserve(shortLived, scopes, _time.GetUtcNow().AddSeconds(10));
        book.Reserve(longLived, scopes, _time.GetUtcNow().AddMinutes(10));
        _time.Advance(TimeSpan.FromSeconds(11));

        IReadOnlyList<ExpiredReservation> expired = book.Expire(_time.GetUtcNow());

        Assert.Equal(shortLived.RequestId, Assert.Single(expired).RequestId);
        Assert.Equal(200, book.Organization.Reserved);
    }

    [Theory]
    [InlineData(KeyStatus.Revoked, MemberRole.Owner, true, AuthorizeOutcome.Unauthorized)]
    [InlineData(KeyStatus.Disabled, MemberRole.Owner, true, AuthorizeOutcome.Unauthorized)]
    [InlineData(KeyStatus.Active, MemberRole.Viewer, true, AuthorizeOutcome.Forbidden)]
    [InlineData(KeyStatus.Active, MemberRole.Member, false, AuthorizeOutcome.Forbidden)]
    [InlineData(KeyStatus.Active, MemberRole.Member, true, AuthorizeOutcome.Admitted)]
    public async Task KeyAndTeam_StatusAndRole_Decide(KeyStatus status, MemberRole role, bool teamActive, AuthorizeOutcome expected)
    {
        (SpendBook book, Guid key) = await BookAsync(purchased: 10_000, role: role, status: status, teamActive: teamActive);
        Assert.Equal(expected, (await ReserveAsync(book, Request(key, 1))).Outcome);
        Assert.Equal(expected == AuthorizeOutcome.Admitted ? 1 : 0, book.HeldCount);
    }

    [Fact]
    public async Task Key_PastExpiry_Refused()
    {
        (SpendBook book, Guid key) = await BookAsync(purchased: 10_000, keyExpiry: _time.GetUtcNow().AddMinutes(1));
        Assert.True((await ReserveAsync(book, Request(key, 1))).Admitted);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(AuthorizeOutcome.Unauthorized, (await ReserveAsync(book, Request(key, 1))).Outcome);
    }

    [Fact]
    public async Task Budget_NewPeriod_StartsFromZero_AndNamesEachThresholdOncePerPeriod()
    {
        var scope = new BudgetScope(BudgetScopeKind.Organization, Org.ToString());
        _store.Budgets[scope] = new BudgetRecord(Org, scope, 1_000, BudgetPeriod.Daily, new DateOnly(2026, 1, 1), [50, 80, 100], null, null);
        (SpendBook book, Guid key) = await BookAsync(purchased: 100_000, budgets: [scope]);

        AuthorizeRequest first = Request(key, 600);
        Assert.True((await ReserveAsync(book, first)).Admitted);
        Assert.Equal(AuthorizeOutcome.PaymentRequired, (await ReserveAsync(book, Request(key, 401))).Outcome); // 600 reserved + 401 > 1000
        book.Charge(new Charge(first.RequestId, 550, 1, 1, _time.GetUtcNow()), book.HeldScopes(first.RequestId)!);
        var budget = book.Budgets.Single();
        Assert.Equal([50], budget.NewlyCrossed([]));
        Assert.Empty(budget.NewlyCrossed([50]));

        _time.Advance(TimeSpan.FromDays(1));
        Assert.True((await ReserveAsync(book, Request(key, 900))).Admitted);
        BudgetView view = book.BudgetView(scope);
        Assert.Equal(0, view.Spent);
        Assert.Equal(DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime), view.PeriodStart);
    }
}
