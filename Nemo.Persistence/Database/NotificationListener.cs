using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Nemo.Persistence.Database;

/// <summary>
/// A PostgreSQL LISTEN loop on one channel, reconnecting after any failure: after each (re)connect it
/// calls <see cref="OnConnectedAsync"/> (a notification sent while disconnected is lost, so catch up
/// there), then <see cref="OnNotificationAsync"/> per payload, and <see cref="OnQuietAsync"/> whenever
/// <see cref="QuietInterval"/> passes. Npgsql delivers notifications on a dedicated connection; this is
/// the wait-and-dispatch loop around it, which Npgsql leaves to the application.
/// </summary>
public abstract partial class NotificationListener(NemoDatabase database, TimeProvider time, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    /// <summary>The channel name (a plain identifier).</summary>
    protected abstract string Channel { get; }

    /// <summary>How often <see cref="OnQuietAsync"/> runs even without notifications (default: never).</summary>
    protected virtual TimeSpan QuietInterval => Timeout.InfiniteTimeSpan;

    protected abstract Task OnConnectedAsync(CancellationToken cancellationToken);

    protected abstract Task OnNotificationAsync(string payload, CancellationToken cancellationToken);

    protected virtual Task OnQuietAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogListenFailed(logger, ex, Channel);
                try
                {
                    await Task.Delay(ReconnectDelay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync(stoppingToken);
        var payloads = System.Threading.Channels.Channel.CreateUnbounded<string>();
        connection.Notification += (_, e) => payloads.Writer.TryWrite(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
            await listen.ExecuteNonQueryAsync(stoppingToken);
        await OnConnectedAsync(stoppingToken);
        long lastQuiet = time.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            if (QuietInterval != Timeout.InfiniteTimeSpan)
                wait.CancelAfter(QuietInterval);
            try
            {
                await connection.WaitAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
            while (payloads.Reader.TryRead(out string? payload))
                await OnNotificationAsync(payload, stoppingToken);
            if (QuietInterval != Timeout.InfiniteTimeSpan && time.GetElapsedTime(lastQuiet) >= QuietInterval)
            {
                await OnQuietAsync(stoppingToken);
                lastQuiet = time.GetTimestamp();
            }
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Listening on {Channel} failed; reconnecting")]
    private static partial void LogListenFailed(ILogger logger, Exception exception, string channel);
}
