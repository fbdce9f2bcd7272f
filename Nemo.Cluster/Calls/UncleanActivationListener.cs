using Microsoft.Extensions.Logging;
using Nemo.Persistence.Database;
using Nemo.Persistence.Fencing;

namespace Nemo.Cluster.Calls;

/// <summary>
/// LISTENs for organizations whose grain re-activated after an unclean end (the payload is the
/// organization id; sent in the same transaction that takes the new epoch) and has
/// <see cref="OrganizationCalls"/> re-present this node's in-flight admissions there, within the new
/// activation's recovery window. After any (re)connect it re-presents everything in flight, since a
/// notice sent while disconnected is lost; re-presenting is idempotent.
/// </summary>
internal sealed class UncleanActivationListener(NemoDatabase database, OrganizationCalls calls, TimeProvider time, ILogger<UncleanActivationListener> logger)
    : NotificationListener(database, time, logger)
{
    protected override string Channel => PostgresActivationFence.ActivationChannel;

    protected override Task OnConnectedAsync(CancellationToken cancellationToken)
    {
        foreach (Guid organizationId in calls.OrganizationsInFlight())
            _ = calls.ReassertAsync(organizationId);
        return Task.CompletedTask;
    }

    protected override Task OnNotificationAsync(string payload, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(payload, out Guid organizationId))
            _ = calls.ReassertAsync(organizationId); // each organization on its own: one slow one delays no other
        return Task.CompletedTask;
    }
}
