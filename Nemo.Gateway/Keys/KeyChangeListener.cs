using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Gateway.Keys;

/// <summary>
/// Keeps <see cref="ApiKeyCache"/> fresh on every gateway: LISTENs on <c>nemo_keys</c> (payload: a key
/// hash in hex, or <c>org:{id}</c>) and reloads what changed (and forgets a hash remembered as unknown); reloads everything every minute and after
/// any reconnect, so a notification lost while disconnected is caught up.
/// </summary>
internal sealed partial class KeyChangeListener(NemoDatabase database, ApiKeyCache cache, NegativeKeyCache unknown, TimeProvider time, ILogger<KeyChangeListener> logger) : BackgroundService
{
    public const string Channel = "nemo_keys";
    private static readonly TimeSpan FullReloadInterval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync(stoppingToken);
                var changes = System.Threading.Channels.Channel.CreateUnbounded<string>();
                connection.Notification += (_, e) => changes.Writer.TryWrite(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                await cache.ReloadAllAsync(stoppingToken);
                long lastFull = time.GetTimestamp();
                while (!stoppingToken.IsCancellationRequested)
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    wait.CancelAfter(FullReloadInterval);
                    try
                    {
                        await connection.WaitAsync(wait.Token);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                    }
                    while (changes.Reader.TryRead(out string? payload))
                        await ApplyAsync(payload, stoppingToken);
                    if (time.GetElapsedTime(lastFull) >= FullReloadInterval)
                    {
                        await cache.ReloadAllAsync(stoppingToken);
                        lastFull = time.GetTimestamp();
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogListenFailed(ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

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

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Listening for key changes failed; reconnecting")]
    private partial void LogListenFailed(Exception exception);
}
