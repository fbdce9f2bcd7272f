using Microsoft.Extensions.Logging;
using Nemo.Grains.Contracts;
using Nemo.Grains.Fencing;
using Nemo.Grains.Placement;
using Nemo.Grains.Scopes;
using Nemo.Grains.Spend;
using Nemo.Grains.Storage;
using Nemo.Grains.Tenancy;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Nemo.Grains.Organization;

/// <summary>
/// One organization's spend state on Orleans: the aggregate of its key, team, organization and budget
/// scopes (<see cref="SpendBook"/>), so an authorization and a settle are one grain call each.
///
/// Guarantees:
/// - check-and-reserve is atomic: it runs in one turn without awaiting between check and reserve;
/// - the grain is reentrant so that a settle's durable commit does not queue the organization's other
///   requests behind it; only the commit is awaited, and the in-memory apply after it runs in one turn;
///   a second settle of the same request id waits for the first one in flight instead of racing it;
/// - single writer: every activation takes a new epoch (<see cref="IActivationFence"/>); it admits only
///   while that epoch was confirmed current within the fencing lease, every ledger write names it, and
///   once fenced it admits nothing more and deactivates;
/// - after an unclean takeover it admits nothing new for the recovery window, while gateways write the
///   reservations the previous activation admitted for them; it holds those before its first admission;
/// - a clean deactivation hands the reservations still held to the next activation.
/// </summary>
[Reentrant]
[OrganizationPlacement]
internal sealed partial class OrganizationGrain : Grain, IOrganizationGrain
{
    private static readonly TimeSpan ExpiryInterval = TimeSpan.FromSeconds(1);

    private readonly IPersistentState<FiredThresholds> _thresholds;
    private readonly ISpendStore _store;
    private readonly IUsageLedger _ledger;
    private readonly IActivationFence _fence;
    private readonly ActivationLeases _leases;
    private readonly IBudgetNotifications _notifications;
    private readonly ILocalSiloDetails _silo;
    private readonly TimeProvider _time;
    private readonly SpendOptions _spend;
    private readonly FencingOptions _fencing;
    private readonly ILogger<OrganizationGrain> _logger;
    private readonly Dictionary<Guid, Task<SettleOutcome>> _settling = new();
    private readonly List<ExpiredReservation> _unsettledToRecord = [];
    private readonly HashSet<Guid> _settledHere = []; // during recovery only
    private SpendBook _book = null!;
    private ActivationLease? _lease;
    private long _admitFrom;
    private bool _recovering;
    private Task? _recovery;

    public OrganizationGrain(
        [PersistentState("fired-thresholds", NemoStorage.Grains)] IPersistentState<FiredThresholds> thresholds,
        ISpendStore store,
        IUsageLedger ledger,
        IActivationFence fence,
        ActivationLeases leases,
        IBudgetNotifications notifications,
        ILocalSiloDetails silo,
        TimeProvider time,
        SpendOptions spend,
        FencingOptions fencing,
        ILogger<OrganizationGrain> logger)
    {
        _thresholds = thresholds;
        _store = store;
        _ledger = ledger;
        _fence = fence;
        _leases = leases;
        _notifications = notifications;
        _silo = silo;
        _time = time;
        _spend = spend;
        _fencing = fencing;
        _logger = logger;
    }

    private Guid OrganizationId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _book = new SpendBook(OrganizationId, _store, _time);
        long sentAt = _time.GetTimestamp();
        ActivationEpoch epoch = await _fence.TakeAsync(OrganizationId, _silo.SiloAddress.ToString(), cancellationToken);
        _lease = _leases.Register(OrganizationId, epoch.Epoch, sentAt);
        if (epoch.PreviousUnclean)
        {
            // The previous activation may still run (frozen, or a duplicate) until its lease runs out,
            // and gateways hold reservations it admitted: admit nothing new until both are settled.
            _admitFrom = _time.GetTimestamp() + (long)(_fencing.RecoveryWindow.TotalSeconds * _time.TimestampFrequency);
            _recovering = true;
            LogUncleanTakeover(OrganizationId, epoch.Epoch);
        }
        await _book.LoadAsync(cancellationToken);
        await RestoreAsync(epoch.HandedOver, cancellationToken);
        this.RegisterGrainTimer(OnTimerAsync, new GrainTimerCreationOptions(ExpiryInterval, ExpiryInterval) { Interleave = true, KeepAlive = false });
    }

    private async Task RestoreAsync(IReadOnlyList<HeldReservation> handedOver, CancellationToken cancellationToken)
    {
        if (handedOver.Count == 0)
            return;
        IReadOnlySet<Guid> settled = await _store.SettledAmongAsync(OrganizationId, [.. handedOver.Select(h => h.RequestId)], cancellationToken);
        foreach (HeldReservation held in handedOver)
        {
            if (!settled.Contains(held.RequestId))
                _book.Hold(held, await _book.ScopesAsync(held.TeamId, held.KeyId, held.CustomerId, cancellationToken));
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_lease is null)
            return;
        _leases.Unregister(_lease);
        if (_lease.Fenced)
            return; // a newer activation owns the organization: nothing of ours may be written
        try
        {
            await RecordUnsettledAsync(cancellationToken);
            if (!await _fence.HandOverAsync(OrganizationId, _lease.Epoch, _book.HeldReservations(), cancellationToken))
                LogHandOverFenced(OrganizationId, _lease.Epoch);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The next activation sees this one as unclean: it waits out the recovery window and the
            // gateways re-present what this one held.
            LogHandOverFailed(ex, OrganizationId);
        }
    }

    /// <summary>Whether this activation may admit now: not fenced, epoch confirmed recently, recovery over.</summary>
    private async ValueTask<AuthorizeResult?> AdmissionGateAsync()
    {
        long wait = _admitFrom - _time.GetTimestamp();
        if (wait > 0)
            await Task.Delay(TimeSpan.FromSeconds((double)wait / _time.TimestampFrequency), _time);
        if (_recovering)
        {
            Task recovery = _recovery ??= HoldReassertedAsync();
            try
            {
                await recovery;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _recovery = null; // the next call tries again; nothing is admitted meanwhile
                LogRecoveryFailed(ex, OrganizationId);
                return AuthorizeResult.Fenced("The organization is recovering from a silo failure; retry.");
            }
        }
        if (_lease is null || _lease.Fenced)
        {
            DeactivateOnIdle();
            return AuthorizeResult.Fenced("This activation of the organization was superseded; retry.");
        }
        if (!_lease.IsFresh(_time, _fencing.LeaseDuration))
            return AuthorizeResult.Fenced("This activation could not confirm it is the organization's only one (is PostgreSQL reachable?); retry.");
        return null;
    }

    /// <summary>
    /// Ends the recovery window: holds every reservation the gateways re-presented for this epoch (the
    /// requests are already upstream, so without checks), except those settled meanwhile.
    /// </summary>
    private async Task HoldReassertedAsync()
    {
        IReadOnlyList<HeldReservation> reasserted = await _fence.ReassertedAsync(OrganizationId, _lease!.Epoch, CancellationToken.None);
        HeldReservation[] unknown = [.. reasserted.Where(r => !_book.Holds(r.RequestId) && !_settling.ContainsKey(r.RequestId) && !_settledHere.Contains(r.RequestId))];
        IReadOnlySet<Guid> settled = unknown.Length == 0 ? new HashSet<Guid>()
            : await _store.SettledAmongAsync(OrganizationId, [.. unknown.Select(r => r.RequestId)], CancellationToken.None);
        DateTimeOffset expiresAt = _time.GetUtcNow() + _spend.ReservationTtl;
        int held = 0;
        foreach (HeldReservation reservation in unknown)
        {
            if (settled.Contains(reservation.RequestId))
                continue;
            SpendScope[] scopes = await _book.ScopesAsync(reservation.TeamId, reservation.KeyId, reservation.CustomerId, CancellationToken.None);
            if (_settling.ContainsKey(reservation.RequestId) || _settledHere.Contains(reservation.RequestId))
                continue; // its settle arrived while scopes loaded
            _book.Hold(reservation with { ExpiresAt = expiresAt }, scopes);
            held++;
        }
        _recovering = false;
        _settledHere.Clear();
        LogReasserted(held, OrganizationId);
    }

    public async Task<AuthorizeResult> Authorize(AuthorizeRequest request)
    {
        if (await AdmissionGateAsync() is { } refused)
            return refused;
        SpendScope[] scopes = await _book.ScopesAsync(request.TeamId, request.KeyId, request.CustomerId, CancellationToken.None);
        // Re-checked after the await above: the lease may have lapsed while scopes loaded.
        if (await AdmissionGateAsync() is { } lapsed)
            return lapsed;
        AuthorizeResult result = _book.Reserve(request, scopes, _time.GetUtcNow() + _spend.ReservationTtl);
        return result.Admitted && _book.Organization.ContentLogging ? result with { LogContent = true } : result;
    }

    public Task<SettleOutcome> Settle(SettleRequest request) => SettleOnceAsync(request, abandoning: false);

    public async Task<SettleOutcome> Abandon(SettleRequest request)
    {
        // A settle of this request still in flight here decides first: its append may yet commit.
        if (_settling.TryGetValue(request.RequestId, out Task<SettleOutcome>? inFlight))
        {
            try
            {
                return await inFlight;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // It failed, yet may have committed (its answer lost): the abandonment's append finds out.
            }
        }
        return await SettleOnceAsync(request with { Cost = 0, Flags = request.Flags | UsageFlags.Abandoned, StatusCode = 503 }, abandoning: true);
    }

    private async Task<SettleOutcome> SettleOnceAsync(SettleRequest request, bool abandoning)
    {
        if (_settling.TryGetValue(request.RequestId, out Task<SettleOutcome>? inFlight))
            return await inFlight; // a retry racing its first attempt: one outcome for both
        var done = new TaskCompletionSource<SettleOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        _settling[request.RequestId] = done.Task;
        try
        {
            SettleOutcome outcome = await SettleCoreAsync(request, abandoning);
            done.TrySetResult(outcome);
            return outcome;
        }
        catch (Exception ex)
        {
            done.TrySetException(ex);
            _ = done.Task.Exception; // observed here; waiters rethrow it themselves
            throw;
        }
        finally
        {
            _settling.Remove(request.RequestId);
        }
    }

    private async Task<SettleOutcome> SettleCoreAsync(SettleRequest request, bool abandoning)
    {
        if (_lease is null || _lease.Fenced)
        {
            DeactivateOnIdle();
            return SettleOutcome.Fenced;
        }
        DateTimeOffset occurredAt = _time.GetUtcNow();
        AppendOutcome appended = await _ledger.AppendAsync(request, occurredAt, _lease.Epoch, CancellationToken.None);
        var charge = new Charge(request.RequestId, request.Cost, request.PromptTokens + request.CompletionTokens, request.TokenEstimate, occurredAt);
        switch (appended)
        {
            case AppendOutcome.Fenced:
                _lease.MarkFenced();
                DeactivateOnIdle();
                return SettleOutcome.Fenced;
            case AppendOutcome.Duplicate when _recovering:
                _book.Release(request.RequestId);
                _settledHere.Add(request.RequestId);
                return SettleOutcome.AlreadySettled;
            case AppendOutcome.Duplicate:
                // Written by an earlier activation, so already in the spend this one loaded: only the
                // reservation (if re-presented) goes.
                _book.Release(request.RequestId);
                return SettleOutcome.AlreadySettled;
            case AppendOutcome.DuplicateThisEpoch when abandoning:
                // An earlier attempt committed, its answer lost, and its cost isn't known here: the
                // next activation loads it from the ledger.
                _book.Release(request.RequestId);
                DeactivateOnIdle();
                return SettleOutcome.AlreadySettled;
            case AppendOutcome.DuplicateThisEpoch:
                // An earlier attempt of this activation committed but never reached memory (its answer
                // was lost): charge it now, exactly once, if its reservation is still held.
                if (_book.HeldScopes(request.RequestId) is { } heldScopes)
                    _book.Charge(charge, heldScopes);
                return SettleOutcome.AlreadySettled;
        }
        if (abandoning)
        {
            // The zero-cost event holds the request id: no settle of it can land any more.
            _book.Release(request.RequestId);
            if (_recovering)
                _settledHere.Add(request.RequestId);
            return SettleOutcome.Abandoned;
        }
        SpendScope[] scopes = _book.HeldScopes(request.RequestId)
            ?? await _book.ScopesAsync(request.TeamId, request.KeyId, request.CustomerId, CancellationToken.None);
        _book.Charge(charge, scopes);
        if (_recovering)
            _settledHere.Add(request.RequestId); // a re-presented copy must not be held again
        await FireThresholdsAsync();
        return SettleOutcome.Settled;
    }

    public Task<bool> Release(Guid requestId) => Task.FromResult(_book.Release(requestId));

    public async Task<string[]?> GetAllowedModels(Guid teamId, Guid keyId) =>
        SpendBook.AllowedModels(await _book.ScopesAsync(teamId, keyId, null, CancellationToken.None)) is { } allowed ? [.. allowed] : null;

    public Task<CreditsView> GetCredits() => Task.FromResult(_book.Organization.Credits);

    public async Task<BudgetView> GetBudget(BudgetScope scope) => await _book.ReadBudgetAsync(scope, CancellationToken.None);

    public Task Refresh(ScopeChange change) => _book.RefreshAsync(change, CancellationToken.None);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private async Task OnTimerAsync(CancellationToken cancellationToken)
    {
        if (_lease is { Fenced: true })
        {
            DeactivateOnIdle();
            return;
        }
        IReadOnlyList<ExpiredReservation> expired = _book.Expire(_time.GetUtcNow());
        if (expired.Count > 0)
        {
            LogExpired(expired.Count, OrganizationId);
            _unsettledToRecord.AddRange(expired);
        }
        try
        {
            await RecordUnsettledAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogUnsettledFailed(ex, _unsettledToRecord.Count, OrganizationId); // kept, retried next tick
        }
    }

    /// <summary>Writes expired reservations' unsettled records; they stay queued until written.</summary>
    private async Task RecordUnsettledAsync(CancellationToken cancellationToken)
    {
        if (_unsettledToRecord.Count == 0)
            return;
        ExpiredReservation[] batch = [.. _unsettledToRecord];
        await _ledger.RecordUnsettledAsync(OrganizationId, batch, cancellationToken);
        _unsettledToRecord.RemoveRange(0, batch.Length);
    }

    private async Task FireThresholdsAsync()
    {
        List<(BudgetSpendScope Budget, IReadOnlyList<int> Crossed)>? fire = null;
        foreach (BudgetSpendScope budget in _book.Budgets)
        {
            string key = budget.Scope.ToString();
            FiredInPeriod? fired = _thresholds.State.Budgets.GetValueOrDefault(key);
            IReadOnlyList<int> alreadyFired = fired is not null && fired.PeriodStart == budget.PeriodStart ? fired.Thresholds : [];
            IReadOnlyList<int> crossed = budget.NewlyCrossed(alreadyFired);
            if (crossed.Count > 0)
                (fire ??= []).Add((budget, crossed));
        }
        if (fire is null)
            return;
        foreach ((BudgetSpendScope budget, IReadOnlyList<int> crossed) in fire)
        {
            string key = budget.Scope.ToString();
            if (!_thresholds.State.Budgets.TryGetValue(key, out FiredInPeriod? fired) || fired.PeriodStart != budget.PeriodStart)
                _thresholds.State.Budgets[key] = fired = new FiredInPeriod { PeriodStart = budget.PeriodStart };
            fired.Thresholds.AddRange(crossed);
        }
        try
        {
            // Persisted before notifying: a write that loses to another activation (ETag) notifies nothing.
            await _thresholds.WriteStateAsync();
        }
        catch (Exception ex)
        {
            LogThresholdWriteFailed(ex, OrganizationId);
            await _thresholds.ReadStateAsync();
            return;
        }
        foreach ((BudgetSpendScope budget, IReadOnlyList<int> crossed) in fire)
        {
            foreach (int threshold in crossed)
                await _notifications.EnqueueThresholdCrossedAsync(OrganizationId, budget.Scope, threshold, budget.PeriodStart, budget.Spent, budget.Limit, CancellationToken.None);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Organization {OrganizationId} activated at epoch {Epoch} after an unclean end of the previous activation: admitting nothing new during the recovery window")]
    private partial void LogUncleanTakeover(Guid organizationId, long epoch);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Hand-over of organization {OrganizationId} at epoch {Epoch} was fenced: a newer activation exists")]
    private partial void LogHandOverFenced(Guid organizationId, long epoch);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "Hand-over of organization {OrganizationId} failed; the next activation will recover from the gateways")]
    private partial void LogHandOverFailed(Exception exception, Guid organizationId);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Error, Message = "Reading the reservations re-presented for organization {OrganizationId} failed; admitting nothing until it succeeds")]
    private partial void LogRecoveryFailed(Exception exception, Guid organizationId);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Held {Count} re-presented reservations of organization {OrganizationId}")]
    private partial void LogReasserted(int count, Guid organizationId);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "{Count} reservations of organization {OrganizationId} expired unsettled; recorded for reconciliation")]
    private partial void LogExpired(int count, Guid organizationId);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Error, Message = "Recording {Count} unsettled reservations of organization {OrganizationId} failed; retrying")]
    private partial void LogUnsettledFailed(Exception exception, int count, Guid organizationId);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Persisting fired budget thresholds of organization {OrganizationId} failed; not notifying now")]
    private partial void LogThresholdWriteFailed(Exception exception, Guid organizationId);
}
