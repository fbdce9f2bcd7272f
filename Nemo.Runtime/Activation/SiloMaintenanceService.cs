using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nemo.Grains.Contracts;
using Nemo.Grains.Spend;
using Nemo.Grains.Storage;
using Nemo.Runtime.Hosting;

namespace Nemo.Runtime.Activation;

/// <summary>
/// Housekeeping turns on this silo's activations: every second, reservations past their deadline are
/// released and recorded as <c>unsettled</c> (the organization grain's list, since every reservation
/// includes it); every IdleDeactivation/4, idle activations are deactivated with their state flushed.
/// These turns don't count as use, so they never keep an idle grain alive.
/// </summary>
internal sealed partial class SiloMaintenanceService(
    Catalog catalog,
    IUsageLedger ledger,
    ClusterOptions options,
    TimeProvider time,
    ILogger<SiloMaintenanceService> logger) : BackgroundService
{
    private static readonly TimeSpan ExpiryInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long lastIdleSweep = time.GetTimestamp();
        TimeSpan idleSweepInterval = options.IdleDeactivation / 4;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(ExpiryInterval, time, stoppingToken);
                await ExpireReservationsAsync(stoppingToken);
                if (time.GetElapsedTime(lastIdleSweep) >= idleSweepInterval)
                {
                    lastIdleSweep = time.GetTimestamp();
                    await catalog.DeactivateIdleAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogMaintenanceFailed(ex);
            }
        }
    }

    internal async Task ExpireReservationsAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        foreach (ActivationData activation in catalog.Activations)
        {
            if (activation.Grain is not ISpendScopeGrain scope || activation.Grain.CanDeactivate)
                continue; // nothing held
            if (!await activation.EnterAsync(cancellationToken))
                continue;
            IReadOnlyList<ExpiredReservation> expired;
            try
            {
                expired = await scope.ExpireReservations(now);
            }
            finally
            {
                activation.Exit(touch: false);
            }
            if (expired.Count > 0 && activation.Grain is IOrganizationGrain)
            {
                LogExpired(expired.Count, activation.Id.OrganizationId);
                await ledger.RecordUnsettledAsync(activation.Id.OrganizationId, expired, cancellationToken);
            }
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "{Count} reservations of organization {OrganizationId} expired unsettled; recorded for reconciliation")]
    private partial void LogExpired(int count, Guid organizationId);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "Silo maintenance failed; retrying")]
    private partial void LogMaintenanceFailed(Exception exception);
}
