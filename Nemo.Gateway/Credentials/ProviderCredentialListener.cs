using Microsoft.Extensions.Logging;
using Nemo.Persistence.Database;

namespace Nemo.Gateway.Credentials;

/// <summary>
/// Keeps <see cref="ProviderCredentialCache"/> fresh on every gateway: LISTENs on
/// <c>nemo_provider_credentials</c> (payload: an organization id) and re-reads that organization; reads
/// everything after any reconnect and every minute, so a notification lost while disconnected is caught up.
/// </summary>
internal sealed class ProviderCredentialListener(NemoDatabase database, ProviderCredentialCache cache, TimeProvider time, ILogger<ProviderCredentialListener> logger)
    : NotificationListener(database, time, logger)
{
    public const string ChannelName = "nemo_provider_credentials";

    protected override string Channel => ChannelName;

    protected override TimeSpan QuietInterval => TimeSpan.FromMinutes(1);

    protected override Task OnConnectedAsync(CancellationToken cancellationToken) => cache.ReloadAllAsync(cancellationToken);

    protected override Task OnQuietAsync(CancellationToken cancellationToken) => cache.ReloadAllAsync(cancellationToken);

    protected override Task OnNotificationAsync(string payload, CancellationToken cancellationToken) =>
        Guid.TryParse(payload, out Guid organizationId) ? cache.ReloadOrganizationAsync(organizationId, cancellationToken) : Task.CompletedTask;
}
