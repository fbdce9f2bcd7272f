using Microsoft.Extensions.Logging;
using Nemo.Persistence.Database;

namespace Nemo.Gateway.Policies;

/// <summary>
/// Keeps <see cref="PolicyCache"/> fresh on every gateway: LISTENs on <c>nemo_policies</c> (payload: an
/// organization id, sent in the transaction of every guardrail, prompt or experiment change) and reloads
/// that organization; reloads everything every minute and after any reconnect, so a notification lost
/// while disconnected is caught up. The same mechanism as the key cache (decision 0008).
/// </summary>
internal sealed class PolicyChangeListener(NemoDatabase database, PolicyCache cache, TimeProvider time, ILogger<PolicyChangeListener> logger)
    : NotificationListener(database, time, logger)
{
    public const string ChannelName = "nemo_policies";

    protected override string Channel => ChannelName;

    protected override TimeSpan QuietInterval => TimeSpan.FromMinutes(1);

    protected override Task OnConnectedAsync(CancellationToken cancellationToken) => cache.ReloadAllAsync(cancellationToken);

    protected override Task OnQuietAsync(CancellationToken cancellationToken) => cache.ReloadAllAsync(cancellationToken);

    protected override Task OnNotificationAsync(string payload, CancellationToken cancellationToken) =>
        Guid.TryParse(payload, out Guid organizationId) ? cache.ReloadOrganizationAsync(organizationId, cancellationToken) : Task.CompletedTask;
}
