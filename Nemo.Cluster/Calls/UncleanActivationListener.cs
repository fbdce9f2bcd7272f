using Microsoft.Extensions.Logging;
using Nemo.Persistence.Database;
using Nemo.Persistence.Fencing;

namespace Nemo.Cluster.Calls;

/// <summary>
/// LISTENs for organizations whose grain re-activated after an unclean end (payload "organization:epoch",
/// sent in the same transaction that takes the new epoch) and has <see cref="OrganizationCalls"/>
/// re-present this node's in-flight admissions for that epoch, within the new activation's recovery
/// window. After any (re)connect it re-presents everything in flight to the current epochs, since a
/// notice sent while disconnected is lost; re-presenting is idempotent.
/// </summary>
internal sealed class UncleanActivationListener(NemoDatabase database, OrganizationCalls calls, TimeProvider time, ILogger<UncleanActivationListener> logger)
    : NotificationListener(database, time, logger)
{
    protected override string Channel => PostgresActivationFence.ActivationChannel;

    protected override Task OnConnectedAsync(CancellationToken cancellationToken) => calls.ReassertAllAsync(cancellationToken);

    protected override Task OnNotificationAsync(string payload, CancellationToken cancellationToken)
    {
        if (UncleanActivation.TryParse(payload, out Guid organizationId, out long epoch))
            _ = calls.ReassertAsync(organizationId, epoch); // each organization on its own: one slow one delays no other
        return Task.CompletedTask;
    }
}
