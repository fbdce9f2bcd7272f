using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nemo.Grains.Storage;

namespace Nemo.Grains.Fencing;

/// <summary>
/// The silo's confirmation loop: every ConfirmInterval, one query checks the epochs of all of this
/// silo's organization activations; each one still current is confirmed as of when the query was sent,
/// and each one superseded is fenced. While PostgreSQL is unreachable nothing is confirmed, so
/// activations stop admitting within LeaseDuration (fail closed). Hand-written rather than a grain
/// timer per activation so that a silo with thousands of organizations makes one query, not thousands.
/// </summary>
internal sealed partial class ActivationLeases(IActivationFence fence, TimeProvider time, FencingOptions options, ILogger<ActivationLeases> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<ActivationLease, byte> _leases = new();

    public ActivationLease Register(Guid organizationId, long epoch, long confirmedAt)
    {
        var lease = new ActivationLease(organizationId, epoch, confirmedAt);
        _leases.TryAdd(lease, 0);
        return lease;
    }

    public void Unregister(ActivationLease lease) => _leases.TryRemove(lease, out _);

    /// <summary>Whether this silo's activation of the organization at this epoch is fenced or gone.</summary>
    internal bool IsFencedOrGone(Guid organizationId, long epoch) =>
        !_leases.Keys.Any(l => l.OrganizationId == organizationId && l.Epoch == epoch && !l.Fenced);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.ConfirmInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ConfirmAllAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogConfirmFailed(ex);
            }
        }
    }

    internal async Task ConfirmAllAsync(CancellationToken cancellationToken)
    {
        ActivationLease[] leases = [.. _leases.Keys];
        if (leases.Length == 0)
            return;
        long sentAt = time.GetTimestamp();
        IReadOnlySet<Guid> fenced = await fence.FencedAmongAsync(
            [.. leases.Select(l => new KeyValuePair<Guid, long>(l.OrganizationId, l.Epoch))], cancellationToken);
        foreach (ActivationLease lease in leases)
        {
            if (fenced.Contains(lease.OrganizationId))
            {
                if (!lease.Fenced)
                    LogFenced(lease.OrganizationId, lease.Epoch);
                lease.MarkFenced();
            }
            else
            {
                lease.Confirm(sentAt);
            }
        }
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Confirming activation epochs failed; activations stop admitting when their lease runs out")]
    private partial void LogConfirmFailed(Exception exception);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Activation of organization {OrganizationId} at epoch {Epoch} was superseded by a newer one: fenced, deactivating")]
    private partial void LogFenced(Guid organizationId, long epoch);
}
