using Microsoft.Extensions.Logging;
using Nemo.Persistence.Database;

namespace Nemo.Gateway.Keys;

/// <summary>
/// Keeps <see cref="ApiKeyCache"/> fresh on every gateway: LISTENs on <c>nemo_keys</c> (payload: a key
/// hash in hex, or <c>org:{id}</c>) and reloads what changed (and forgets a hash remembered as unknown); reloads everything every minute and after
/// any reconnect, so a notification lost while disconnected is caught up.
/// </summary>
internal sealed class KeyChangeListener(NemoDatabase database, ApiKeyCache cache, NegativeKeyCache unknown, TimeProvider time, ILogger<KeyChangeListener> logger)
    : NotificationListener(database, time, logger)
{
    public const string ChannelName = "nemo_keys";

    protected override string Channel => ChannelName;

    protected override TimeSpan QuietInterval => TimeSpan.FromMinutes(1);

    protected override Task OnConnectedAsync(CancellationToken cancellationToken) => cache.ReloadAllAsync(cancellationToken);

    protected override Task OnQuietAsync(CancellationToken cancellationToken) => cache.ReloadAllAsync(cancellationToken);

    protected override Task OnNotificationAsync(string payload, CancellationToken cancellationToken) => ApplyAsync(payload, cancellationToken);

    private Task ApplyAsync(string payload, CancellationToken cancellationToken)
    {
        if (payload.StartsWith("org:", StringComparison.Ordinal) && Guid.TryParse(payload.AsSpan(4), out Guid organizationId))
            return cache.ReloadOrganizationAsync(organizationId, cancellationToken);
        if (payload.Length == 64 && Convert.FromHexString(payload) is { } bytes)
        {
            KeyHash hash = KeyHash.FromBytes(bytes);
            unknown.Remove(hash);
            return cache.ReloadOneAsync(hash, cancellationToken);
        }
        return Task.CompletedTask;
    }
}
