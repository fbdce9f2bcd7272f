using Nemo.Grains.Contracts;
using Nemo.Grains.Money;
using Nemo.Grains.Spend;
using Nemo.Grains.Storage;
using Nemo.Grains.Tenancy;

namespace Nemo.Grains.Scopes;

/// <summary>
/// One spend ceiling for one scope (organization, team, key or customer).
///
/// Guarantees:
/// - Spent + Reserved ≤ Limit after every admission, within the current period;
/// - the period's start is a pure function of the clock and the anchor: when it moves on, Spent starts
///   again from zero, with no reset job;
/// - <see cref="NewlyCrossed"/> names each soft threshold once per period, given the ones already fired
///   (the grain persists those before it notifies).
/// A scope without a budget row admits everything and holds nothing.
/// </summary>
internal sealed class BudgetSpendScope(BudgetScope scope, TimeProvider time) : SpendScope(time)
{
    private BudgetRecord? _record;
    private DateOnly _periodStart;
    private long _spent;

    public BudgetScope Scope { get; } = scope;

    protected override string ScopeName => $"{BudgetScope.KindName(Scope.Kind)} budget";

    public DateOnly PeriodStart => _periodStart;

    /// <summary>The budget row, and where its current period starts (for the caller to load that period's durable spend).</summary>
    public DateOnly Apply(BudgetRecord? record)
    {
        _record = record;
        Limits.Configure(record?.Rpm, record?.Tpm);
        _periodStart = record is null ? default : CurrentPeriodStart();
        return _periodStart;
    }

    /// <summary>Durable spend of the period that <see cref="Apply"/> returned.</summary>
    public void LoadSpent(long spent) => _spent = spent;

    private DateOnly Today => DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime);

    private DateOnly CurrentPeriodStart() => BudgetPeriods.PeriodStart(_record!.Period, _record.Anchor, Today);

    /// <summary>Moves to a new period when the clock has crossed the boundary: spend starts from zero.</summary>
    private void RollPeriod()
    {
        DateOnly start = CurrentPeriodStart();
        if (start == _periodStart)
            return;
        _periodStart = start;
        _spent = 0;
    }

    protected override ScopeDecision Check(Reservation reservation)
    {
        if (_record is null)
            return ScopeDecision.Admit();
        RollPeriod();
        long headroom = _record.LimitNanos - _spent - Reserved;
        if (reservation.Cost > headroom)
            return ScopeDecision.Refuse(AuthorizeOutcome.PaymentRequired, "budget_exceeded",
                $"The {BudgetScope.KindName(Scope.Kind)} budget would be exceeded: limit {Usd.FromNanos(_record.LimitNanos)} USD per {BudgetPeriods.Name(_record.Period)} period, " +
                $"spent {Usd.FromNanos(_spent)} USD, reserved {Usd.FromNanos(Reserved)} USD, this request may cost up to {Usd.FromNanos(reservation.Cost)} USD.");
        return ScopeDecision.Admit();
    }

    protected override void OnCharged(Charge charge)
    {
        if (_record is null)
            return;
        RollPeriod();
        if (DateOnly.FromDateTime(charge.OccurredAt.UtcDateTime) < _periodStart)
            return; // belongs to a period that has already ended
        _spent += charge.Cost;
    }

    /// <summary>Soft thresholds reached in the current period and not among <paramref name="fired"/>.</summary>
    public IReadOnlyList<int> NewlyCrossed(IReadOnlyCollection<int> fired)
    {
        if (_record is null || _record.SoftThresholds.Count == 0 || _record.LimitNanos <= 0)
            return [];
        long percent = (long)((Int128)_spent * 100 / _record.LimitNanos);
        List<int>? crossed = null;
        foreach (int threshold in _record.SoftThresholds)
        {
            if (percent >= threshold && !fired.Contains(threshold))
                (crossed ??= []).Add(threshold);
        }
        return crossed is null ? [] : crossed;
    }

    public long Spent => _spent;

    public long Limit => _record?.LimitNanos ?? 0;

    public BudgetView View()
    {
        if (_record is null)
            return new BudgetView(false, 0, 0, Reserved, default);
        RollPeriod();
        return new BudgetView(true, _record.LimitNanos, _spent, Reserved, _periodStart);
    }
}
