using Microsoft.Extensions.Hosting;
using Nemo.Runtime.Hosting;

namespace Nemo.Runtime.Routing;

/// <summary>Re-reads the routing table every RoutingRefreshInterval.</summary>
internal sealed class RoutingRefreshService(RoutingTable table, ClusterOptions options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await table.RefreshAsync(stoppingToken);
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
