using Nemo.Grains.Tenancy;

namespace Nemo.Grains.Storage;

/// <summary>Outbox for soft-threshold notifications; delivery (webhook) happens elsewhere, retried.</summary>
public interface IBudgetNotifications
{
    Task EnqueueThresholdCrossedAsync(Guid organizationId, BudgetScope scope, int thresholdPercent, DateOnly periodStart,
        long spentNanos, long limitNanos, CancellationToken cancellationToken);
}
