using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nemo.Runtime.Hosting;
using Nemo.Runtime.Partitions;
using Nemo.Runtime.Storage;
using Npgsql;

namespace Nemo.Runtime.Routing;

/// <summary>
/// Keeps the routing table fresh: LISTENs on <c>nemo_partitions</c> (silos notify when they take or
/// release leases or shut down) and re-reads the table on each notification, and at least every
/// RoutingRefreshInterval in case one was missed. On a node hosting a silo, a notification also starts
/// a lease round at once, so released partitions are picked up without waiting for the next renewal.
/// </summary>
internal sealed partial class RoutingRefreshService(
    NemoDatabase database,
    RoutingTable table,
    ClusterOptions options,
    TimeProvider time,
    IServiceProvider services,
    ILogger<RoutingRefreshService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        PartitionLeaseService? leases = services.GetService<PartitionLeaseService>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync(stoppingToken);
                int notified = 0;
                connection.Notification += (_, _) => Interlocked.Exchange(ref notified, 1);
                await using (var listen = new NpgsqlCommand($"LISTEN {PartitionLeaseService.Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                while (!stoppingToken.IsCancellationRequested)
                {
                    await table.RefreshAsync(stoppingToken);
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    wait.CancelAfter(options.RoutingRefreshInterval);
                    try
                    {
                        await connection.WaitAsync(wait.Token);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                    }
                    if (Interlocked.Exchange(ref notified, 0) == 1)
                        leases?.Wake();
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
                    await Task.Delay(options.RoutingRefreshInterval, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Listening for partition changes failed; reconnecting")]
    private partial void LogListenFailed(Exception exception);
}
