using Nemo.Grains.Contracts;
using Nemo.Grains.Money;
using Nemo.Grains.Spend;
using Nemo.Grains.Storage;
using Nemo.Grains.Tenancy;

namespace Nemo.Grains.Scopes;

/// <summary>
/// Guarantees: Spent + Reserved ≤ Purchased after every admission (a reservation that would cross it
/// is refused with 402); Spent equals the durable spend total at activation plus every charge settled
/// since; the credits view's Balance is Purchased − Spent − Reserved.
/// </summary>
internal sealed class OrganizationGrain(GrainId id, ISpendStore store, IPersistentStateFactory states, TimeProvider time) : SpendScopeGrain(id, store, states, time), IOrganizationGrain
{
    private OrganizationRecord? _record;
    private HashSet<BudgetScope> _budgets = [];
    private long _spent;

    protected override string ScopeName => "organization";

    protected override async Task LoadAsync(CancellationToken cancellationToken)
    {
        Apply(await Store.LoadOrganizationAsync(Id.OrganizationId, cancellationToken));
        _spent = await Store.LoadSpendAsync(Id.OrganizationId, new BudgetScope(BudgetScopeKind.Organization, Id.Key), DateOnly.MinValue, cancellationToken);
    }

    public override async ValueTask Refresh() => Apply(await Store.LoadOrganizationAsync(Id.OrganizationId, CancellationToken.None));

    private void Apply(OrganizationRecord? record)
    {
        _record = record;
        _budgets = record is null ? [] : [.. record.Budgets];
        Plan? plan = Plan.Find(record?.Plan);
        Limits.Configure(record?.Rpm ?? plan?.DefaultRpm, record?.Tpm ?? plan?.DefaultTpm);
    }

    protected override ScopeDecision Check(Reservation reservation)
    {
        if (_record is not { Active: true })
            return ScopeDecision.Refuse(AuthorizeOutcome.Unauthorized, "invalid_api_key", "The key's organization does not exist any more.");
        long balance = _record.PurchasedNanos - _spent - Reserved;
        if (reservation.Cost > balance)
            return ScopeDecision.Refuse(AuthorizeOutcome.PaymentRequired, "insufficient_credits",
                $"Insufficient credits: this request may cost up to {Usd.FromNanos(reservation.Cost)} USD and the available balance is {Usd.FromNanos(Math.Max(balance, 0))} USD. Add credits or lower max_tokens.");
        return ScopeDecision.Admit();
    }

    protected override ValueTask OnChargedAsync(Charge charge)
    {
        _spent += charge.Cost;
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<BudgetScope>> BudgetsFor(Guid teamId, Guid keyId, string? customerId)
    {
        if (_budgets.Count == 0)
            return ValueTask.FromResult<IReadOnlyList<BudgetScope>>([]);
        var result = new List<BudgetScope>(4);
        AddIfPresent(result, new BudgetScope(BudgetScopeKind.Organization, Id.Key));
        AddIfPresent(result, new BudgetScope(BudgetScopeKind.Team, teamId.ToString()));
        AddIfPresent(result, new BudgetScope(BudgetScopeKind.Key, keyId.ToString()));
        if (customerId is not null)
            AddIfPresent(result, new BudgetScope(BudgetScopeKind.Customer, customerId));
        return ValueTask.FromResult<IReadOnlyList<BudgetScope>>(result);
    }

    private void AddIfPresent(List<BudgetScope> result, BudgetScope scope)
    {
        if (_budgets.Contains(scope))
            result.Add(scope);
    }

    public ValueTask<CreditsView> GetCredits() =>
        ValueTask.FromResult(new CreditsView(_record?.PurchasedNanos ?? 0, _spent, Reserved));
}
