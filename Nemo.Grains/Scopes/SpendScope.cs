using Nemo.Grains.RateLimiting;
using Nemo.Grains.Spend;

namespace Nemo.Grains.Scopes;

/// <summary>
/// What the key, team, organization and budget scopes share inside an organization's grain: in-memory
/// reservations by request id and RPM/TPM buckets. Plain objects: the grain runs every call on them as
/// one turn, so nothing here is concurrent.
///
/// Guarantees (each checked in SpendScopeTests):
/// - a refused <see cref="TryReserve"/> leaves reservations and buckets exactly as they were;
/// - <see cref="Release"/> is idempotent by request id: a second call for the same id changes nothing
///   (settling is made idempotent one level up, by the ledger's unique request id);
/// - Reserved always equals the sum of the held reservations' costs.
/// </summary>
internal abstract class SpendScope
{
    private readonly Dictionary<Guid, Reservation> _reservations = new();

    protected SpendScope(TimeProvider time)
    {
        Time = time;
        Limits = new RateLimits(time);
    }

    protected TimeProvider Time { get; }

    protected RateLimits Limits { get; }

    /// <summary>Sum of held reservations' costs, in nanos.</summary>
    public long Reserved { get; private set; }

    public int ReservationCount => _reservations.Count;

    protected abstract string ScopeName { get; }

    /// <summary>The scope's model allow-list (public model names); null allows every model.</summary>
    public virtual IReadOnlyList<string>? AllowedModels => null;

    /// <summary>The scope's own checks (status, role, credits, limit). Must not change state.</summary>
    protected abstract ScopeDecision Check(Reservation reservation);

    /// <summary>Adds a settled cost to the scope's spend.</summary>
    protected abstract void OnCharged(Charge charge);

    public bool Holds(Guid requestId) => _reservations.ContainsKey(requestId);

    public ScopeDecision TryReserve(Reservation reservation, string model)
    {
        if (_reservations.ContainsKey(reservation.RequestId))
            return ScopeDecision.Admit(Limits.Snapshot()); // a retried authorize: already held

        ScopeDecision check = Check(reservation);
        if (check.Admitted && AllowedModels is { } allowed && !allowed.Contains(model, StringComparer.Ordinal))
            check = ScopeDecision.Refuse(AuthorizeOutcome.Forbidden, "model_not_allowed",
                $"The model '{model}' is not allowed for this {ScopeName}. GET /v1/models lists the models this key may use.");
        if (!check.Admitted)
            return check with { RateLimits = Limits.Snapshot() };

        if (!Limits.TryAdmit(reservation.Tokens, ScopeName, out ScopeDecision refusal))
            return refusal;

        _reservations.Add(reservation.RequestId, reservation);
        Reserved += reservation.Cost;
        return ScopeDecision.Admit(Limits.Snapshot());
    }

    /// <summary>Holds a reservation admitted elsewhere (handed over, or re-presented after a crash): no checks.</summary>
    public void Hold(Reservation reservation)
    {
        if (_reservations.TryAdd(reservation.RequestId, reservation))
            Reserved += reservation.Cost;
    }

    public void Release(Guid requestId)
    {
        if (_reservations.Remove(requestId, out Reservation held))
        {
            Reserved -= held.Cost;
            Limits.Rollback(held.Tokens);
        }
    }

    public void Settle(Charge charge)
    {
        if (_reservations.Remove(charge.RequestId, out Reservation held))
            Reserved -= held.Cost;
        Limits.Correct(charge.TokenEstimate, charge.Tokens);
        OnCharged(charge);
    }

    /// <summary>Drops a reservation past its deadline without giving rate-limit units back (the request did reach the upstream).</summary>
    public void Expire(Guid requestId)
    {
        if (_reservations.Remove(requestId, out Reservation held))
            Reserved -= held.Cost;
    }
}
