using Nemo.Grains.Contracts;
using Nemo.Grains.Money;
using Nemo.Grains.Spend;
using Nemo.Grains.Storage;
using Nemo.Grains.Tenancy;

namespace Nemo.Grains.Scopes;

/// <summary>
/// One spend ceiling for one scope.
///
/// Guarantees:
/// - Spent + Reserved ≤ Limit after every admission, within the current period;
/// - the period's start is a pure function of the clock and the anchor: when it moves on, Spent starts
///   again from zero and the thresholds fired are forgotten, with no reset job;
/// - each soft threshold fires at most once per period (persisted with an ETag, so a reactivation does
///   not fire it again).
/// A budget grain whose scope has no budget row admits everything and holds nothing.
/// </summary>
internal sealed class BudgetGrain(
    GrainId id,
    ISpendStore store,
    IPersistentStateFactory states,
    IBudgetNotifications notifications,
    TimeProvider time) : SpendScopeGrain(id, store, states, time), IBudgetGrain
{
    private readonly IPersistentState<BudgetState> _state = states.Create<BudgetState>(id, "budget");
    private BudgetRecord? _record;
    private DateOnly _periodStart;
    private long _spent;

    protected override string ScopeName => $"{BudgetScope.KindName(Scope.Kind)} budget";

    private BudgetScope Scope
    {
        get
        {
            int colon = Id.Key.IndexOf(':');
            BudgetScope.TryParseKind(Id.Key[..colon], out BudgetScopeKind kind);
            return new BudgetScope(kind, Id.Key[(colon + 1)..]);
        }
    }

    protected override async Task LoadAsync(CancellationToken cancellationToken)
    {
        await _state.ReadAsync(cancellationToken);
        await LoadBudgetAsync(cancellationToken);
    }

    public override async ValueTask Refresh() => await LoadBudgetAsync(CancellationToken.None);

    private async Task LoadBudgetAsync(CancellationToken cancellationToken)
    {
        _record = await Store.LoadBudgetAsync(Id.OrganizationId, Scope, cancellationToken);
        Limits.Configure(_record?.Rpm, _record?.Tpm);
        if (_record is null)
            return;
        _periodStart = CurrentPeriodStart();
        _spent = await Store.LoadSpendAsync(Id.OrganizationId, Scope, _periodStart, cancellationToken);
    }

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

    protected override async ValueTask OnChargedAsync(Charge charge)
    {
        if (_record is null)
            return;
        RollPeriod();
        if (DateOnly.FromDateTime(charge.OccurredAt.UtcDateTime) < _periodStart)
            return; // belongs to a period that has already ended
        _spent += charge.Cost;
        await FireThresholdsAsync();
    }

    private async Task FireThresholdsAsync()
    {
        if (_record!.SoftThresholds.Count == 0 || _record.LimitNanos <= 0)
            return;
        if (_state.State.PeriodStart != _periodStart)
            _state.State = new BudgetState { PeriodStart = _periodStart };
        long percent = (long)((Int128)_spent * 100 / _record.LimitNanos);
        List<int>? crossed = null;
        foreach (int threshold in _record.SoftThresholds)
        {
            if (percent >= threshold && !_state.State.ThresholdsFired.Contains(threshold))
                (crossed ??= []).Add(threshold);
        }
        if (crossed is null)
            return;
        _state.State.ThresholdsFired.AddRange(crossed);
        await _state.WriteAsync(CancellationToken.None);
        foreach (int threshold in crossed)
            await notifications.EnqueueThresholdCrossedAsync(Id.OrganizationId, Scope, threshold, _periodStart, _spent, _record.LimitNanos, CancellationToken.None);
    }

    public ValueTask<BudgetView> Get()
    {
        if (_record is null)
            return ValueTask.FromResult(new BudgetView(false, 0, 0, Reserved, default));
        RollPeriod();
        return ValueTask.FromResult(new BudgetView(true, _record.LimitNanos, _spent, Reserved, _periodStart));
    }
}
