using Nemo.Grains.Contracts;
using Nemo.Grains.Money;
using Nemo.Grains.Spend;
using Nemo.Grains.Storage;
using Nemo.Grains.Tenancy;

namespace Nemo.Grains.Scopes;

/// <summary>
/// Credit balance, plan and the organization's RPM/TPM buckets.
/// Guarantees: Spent + Reserved ≤ Purchased after every admission (a reservation that would cross it
/// is refused with 402); Spent equals the durable spend total at load plus every charge settled
/// since; the credits view's Balance is Purchased − Spent − Reserved.
/// </summary>
internal sealed class OrganizationScope(TimeProvider time) : SpendScope(time)
{
    private OrganizationRecord? _record;
    private HashSet<BudgetScope> _budgets = [];
    private long _spent;

    protected override string ScopeName => "organization";

    public bool Exists => _record is not null;

    public override IReadOnlyList<string>? AllowedModels => _record?.Models;

    /// <summary>Whether the organization keeps prompt and completion text (off by default).</summary>
    public bool ContentLogging => _record?.ContentLogging ?? false;

    public void Apply(OrganizationRecord? record)
    {
        _record = record;
        _budgets = record is null ? [] : [.. record.Budgets];
        Plan? plan = Plan.Find(record?.Plan);
        Limits.Configure(record?.Rpm ?? plan?.DefaultRpm, record?.Tpm ?? plan?.DefaultTpm);
    }

    /// <summary>The durable spend total, read once when the grain activates.</summary>
    public void LoadSpent(long spent) => _spent = spent;

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

    protected override void OnCharged(Charge charge) => _spent += charge.Cost;

    /// <summary>The budget scopes that exist for a request of this team, key and customer, in a fixed order.</summary>
    public IReadOnlyList<BudgetScope> BudgetsFor(Guid organizationId, Guid teamId, Guid keyId, string? customerId)
    {
        if (_budgets.Count == 0)
            return [];
        var result = new List<BudgetScope>(4);
        AddIfPresent(result, new BudgetScope(BudgetScopeKind.Organization, organizationId.ToString()));
        AddIfPresent(result, new BudgetScope(BudgetScopeKind.Team, teamId.ToString()));
        AddIfPresent(result, new BudgetScope(BudgetScopeKind.Key, keyId.ToString()));
        if (customerId is not null)
            AddIfPresent(result, new BudgetScope(BudgetScopeKind.Customer, customerId));
        return result;
    }

    private void AddIfPresent(List<BudgetScope> result, BudgetScope scope)
    {
        if (_budgets.Contains(scope))
            result.Add(scope);
    }

    public CreditsView Credits => new(_record?.PurchasedNanos ?? 0, _spent, Reserved);
}
