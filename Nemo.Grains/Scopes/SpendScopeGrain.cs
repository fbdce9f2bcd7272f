using Nemo.Grains.Contracts;
using Nemo.Grains.RateLimiting;
using Nemo.Grains.Spend;
using Nemo.Grains.Storage;

namespace Nemo.Grains.Scopes;

/// <summary>
/// What the key, team, organization and budget grains share: in-memory reservations by request id and
/// RPM/TPM buckets.
///
/// Guarantees (each checked in SpendScopeGrainTests):
/// - a refused <see cref="TryReserve"/> leaves reservations and buckets exactly as they were;
/// - <see cref="Release"/> is idempotent by request id: a second call for the same id changes nothing
///   (settling is made idempotent one level up, by the ledger's unique request id);
/// - Reserved always equals the sum of the held reservations' costs;
/// - reservations move with the grain: deactivation (a hand-off to another silo, or shutdown) writes
///   them to the grain's state, and activation restores those whose request has no usage event yet.
/// </summary>
internal abstract class SpendScopeGrain : ISpendScopeGrain
{
    private readonly Dictionary<Guid, Reservation> _reservations = new();
    private readonly IPersistentState<HeldReservations> _held;

    protected SpendScopeGrain(GrainId id, ISpendStore store, IPersistentStateFactory states, TimeProvider time)
    {
        Id = id;
        Store = store;
        Time = time;
        Limits = new RateLimits(time);
        _held = states.Create<HeldReservations>(id, "reservations");
    }

    protected ISpendStore Store { get; }

    public GrainId Id { get; }

    protected TimeProvider Time { get; }

    protected RateLimits Limits { get; }

    /// <summary>Sum of held reservations' costs, in nanos.</summary>
    public long Reserved { get; private set; }

    public int ReservationCount => _reservations.Count;

    public bool CanDeactivate => _reservations.Count == 0;

    protected abstract string ScopeName { get; }

    public async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        await _held.ReadAsync(cancellationToken);
        if (_held.State.Items.Count == 0)
            return;
        IReadOnlySet<Guid> settled = await Store.SettledAmongAsync(Id.OrganizationId, [.. _held.State.Items.Select(r => r.RequestId)], cancellationToken);
        foreach (Reservation reservation in _held.State.Items)
        {
            if (!settled.Contains(reservation.RequestId) && _reservations.TryAdd(reservation.RequestId, reservation))
                Reserved += reservation.Cost;
        }
    }

    /// <summary>Loads the scope's configuration and durable spend (in the activation's first turn).</summary>
    protected abstract Task LoadAsync(CancellationToken cancellationToken);

    public async Task OnDeactivateAsync(CancellationToken cancellationToken)
    {
        if (_reservations.Count == 0 && _held.State.Items.Count == 0)
            return; // nothing held now or on record: no write
        _held.State = new HeldReservations { Items = [.. _reservations.Values] };
        await _held.WriteAsync(cancellationToken);
    }

    public abstract ValueTask Refresh();

    /// <summary>The scope's own checks (status, role, credits, limit). Must not change state.</summary>
    protected abstract ScopeDecision Check(Reservation reservation);

    /// <summary>Adds a settled cost to the scope's spend.</summary>
    protected abstract ValueTask OnChargedAsync(Charge charge);

    public ValueTask<ScopeDecision> TryReserve(Reservation reservation)
    {
        if (_reservations.ContainsKey(reservation.RequestId))
            return ValueTask.FromResult(ScopeDecision.Admit(Limits.Snapshot())); // a retried authorize: already held

        ScopeDecision check = Check(reservation);
        if (!check.Admitted)
            return ValueTask.FromResult(check with { RateLimits = Limits.Snapshot() });

        if (!Limits.TryAdmit(reservation.Tokens, ScopeName, out ScopeDecision refusal))
            return ValueTask.FromResult(refusal);

        _reservations.Add(reservation.RequestId, reservation);
        Reserved += reservation.Cost;
        return ValueTask.FromResult(ScopeDecision.Admit(Limits.Snapshot()));
    }

    public ValueTask Hold(Reservation reservation)
    {
        if (_reservations.TryAdd(reservation.RequestId, reservation))
            Reserved += reservation.Cost;
        return ValueTask.CompletedTask;
    }

    public ValueTask Release(Guid requestId)
    {
        if (_reservations.Remove(requestId, out Reservation held))
        {
            Reserved -= held.Cost;
            Limits.Rollback(held.Tokens);
        }
        return ValueTask.CompletedTask;
    }

    public async ValueTask Settle(Charge charge)
    {
        if (_reservations.Remove(charge.RequestId, out Reservation held))
            Reserved -= held.Cost;
        Limits.Correct(charge.TokenEstimate, charge.Tokens);
        await OnChargedAsync(charge);
    }

    public async ValueTask SettleIfHeld(Charge charge)
    {
        if (_reservations.ContainsKey(charge.RequestId))
            await Settle(charge);
    }

    public ValueTask<IReadOnlyList<ExpiredReservation>> ExpireReservations(DateTimeOffset now)
    {
        if (_reservations.Count == 0)
            return ValueTask.FromResult<IReadOnlyList<ExpiredReservation>>([]);
        List<ExpiredReservation>? expired = null;
        foreach (Reservation r in _reservations.Values)
        {
            if (r.ExpiresAt <= now)
                (expired ??= []).Add(new ExpiredReservation(r.RequestId, r.Cost, r.ExpiresAt));
        }
        if (expired is null)
            return ValueTask.FromResult<IReadOnlyList<ExpiredReservation>>([]);
        foreach (ExpiredReservation e in expired)
        {
            // Released without giving rate-limit units back: the request did reach the upstream.
            _reservations.Remove(e.RequestId);
            Reserved -= e.Cost;
        }
        return ValueTask.FromResult<IReadOnlyList<ExpiredReservation>>(expired);
    }
}
