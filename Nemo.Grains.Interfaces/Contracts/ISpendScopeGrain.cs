using Nemo.Grains.Spend;

namespace Nemo.Grains.Contracts;

/// <summary>
/// What every spend-holding grain (key, team, organization, budget) offers the authorizer. Each call is
/// one turn. <see cref="TryReserve"/> is all-or-nothing within the grain; <see cref="Release"/> and
/// <see cref="Settle"/> are idempotent by request id.
/// </summary>
public interface ISpendScopeGrain : IGrainLifecycle
{
    ValueTask<ScopeDecision> TryReserve(Reservation reservation);

    ValueTask Release(Guid requestId);

    /// <summary>
    /// Holds a reservation admitted earlier on a silo that has since died, re-presented by the gateway
    /// that is waiting on it: added without checks (the request is already upstream), idempotent.
    /// </summary>
    ValueTask Hold(Reservation reservation);

    ValueTask Settle(Charge charge);

    /// <summary>
    /// Settles only if the reservation is still held here: for a settle the ledger reports as a
    /// duplicate, whose first attempt may have committed without reaching the grains (e.g. the
    /// connection broke after the commit). A released, expired or already settled one is left alone.
    /// </summary>
    ValueTask SettleIfHeld(Charge charge);

    ValueTask<IReadOnlyList<ExpiredReservation>> ExpireReservations(DateTimeOffset now);

    /// <summary>Re-reads configuration (status, limits) after an administrative change.</summary>
    ValueTask Refresh();
}
