using Nemo.Grains.Spend;

namespace Nemo.Grains.Storage;

public enum AppendOutcome
{
    /// <summary>The event is durable and counted in the spend totals.</summary>
    Inserted = 0,
    /// <summary>
    /// An event with this request id was already durable, written under an EARLIER activation epoch (so it
    /// is in the spend totals the current activation loaded); nothing was written.
    /// </summary>
    Duplicate = 1,
    /// <summary>The organization has a newer activation epoch than the writer's: the write was refused.</summary>
    Fenced = 2,
    /// <summary>
    /// An event with this request id was already durable, written under THIS epoch (an earlier attempt of
    /// the same activation whose answer was lost); nothing was written.
    /// </summary>
    DuplicateThisEpoch = 3,
}

/// <summary>
/// Guarantees: an append returns only once the event is durable (or refused); at most one event per
/// request id exists, however often an append is retried; the spend totals a grain loads on activation
/// include exactly the events appended before, in the same transaction as the events themselves; an
/// event whose epoch is not the organization's current activation epoch is refused (fencing).
/// </summary>
public interface IUsageLedger
{
    Task<AppendOutcome> AppendAsync(SettleRequest usage, DateTimeOffset occurredAt, long epoch, CancellationToken cancellationToken);

    /// <summary>
    /// Records reservations that expired unsettled, for reconciliation. Idempotent by request id;
    /// returns only once written (retried through storage outages by the implementation or the caller).
    /// </summary>
    Task RecordUnsettledAsync(Guid organizationId, IReadOnlyList<ExpiredReservation> expired, CancellationToken cancellationToken);
}
