using Nemo.Grains.Spend;

namespace Nemo.Grains.Storage;

public enum AppendOutcome
{
    /// <summary>The event is durable and counted in the spend totals.</summary>
    Inserted = 0,
    /// <summary>An event with this request id was already durable; nothing was written.</summary>
    Duplicate = 1,
    /// <summary>The partition's lease has a newer epoch than this silo's: the write was refused.</summary>
    Fenced = 2,
}

/// <summary>
/// Guarantees: an append returns only once the event is durable (or refused); at most one event per
/// request id exists, however often an append is retried; the spend totals a grain loads on activation
/// include exactly the events appended before, in the same transaction as the events themselves.
/// </summary>
public interface IUsageLedger
{
    Task<AppendOutcome> AppendAsync(SettleRequest usage, DateTimeOffset occurredAt, CancellationToken cancellationToken);

    /// <summary>Records reservations that expired unsettled, for reconciliation. Idempotent by request id.</summary>
    Task RecordUnsettledAsync(Guid organizationId, IReadOnlyList<ExpiredReservation> expired, CancellationToken cancellationToken);
}
