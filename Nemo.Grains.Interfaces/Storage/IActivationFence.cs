namespace Nemo.Grains.Storage;

/// <summary>
/// Single writer per organization, whatever Orleans' directory does: every activation of an
/// organization's grain takes a new epoch in PostgreSQL, every ledger and state write names it, and a
/// write under an older epoch is refused.
///
/// Guarantees: epochs of one organization strictly increase; <see cref="TakeAsync"/> tells whether the
/// previous activation ended without handing over (a crash, or a duplicate still running), and returns
/// what a clean hand-over left; <see cref="HandOverAsync"/> writes only under the current epoch; after
/// an unclean takeover, the new activation announces its epoch and gateways write the reservations they
/// hold for it, which <see cref="ReassertedAsync"/> reads.
/// </summary>
public interface IActivationFence
{
    Task<ActivationEpoch> TakeAsync(Guid organizationId, string silo, CancellationToken cancellationToken);

    /// <summary>Of these activations (organization, epoch), the organizations whose epoch is no longer current.</summary>
    Task<IReadOnlySet<Guid>> FencedAmongAsync(IReadOnlyCollection<KeyValuePair<Guid, long>> activations, CancellationToken cancellationToken);

    /// <summary>Ends an activation cleanly: stores the reservations still held for the next one. False if fenced.</summary>
    Task<bool> HandOverAsync(Guid organizationId, long epoch, IReadOnlyList<HeldReservation> held, CancellationToken cancellationToken);

    /// <summary>The reservations gateways re-presented for this activation after its unclean takeover.</summary>
    Task<IReadOnlyList<HeldReservation>> ReassertedAsync(Guid organizationId, long epoch, CancellationToken cancellationToken);
}

/// <summary>A new activation's epoch; whether the one before may still be running or died holding reservations; what it handed over.</summary>
public sealed record ActivationEpoch(long Epoch, bool PreviousUnclean, IReadOnlyList<HeldReservation> HandedOver);

/// <summary>One request's reservation as it moves between activations: the scopes it holds and its figures.</summary>
public sealed record HeldReservation(Guid RequestId, Guid TeamId, Guid KeyId, string? CustomerId, long Cost, long Tokens, DateTimeOffset ExpiresAt);
