using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Nemo.Grains.Diagnostics;
using Orleans.Runtime;

namespace Nemo.Cluster.Hosting;

/// <summary>
/// <c>nemo.cluster.silos</c>: the silos this silo's membership view lists as Active, read from Orleans'
/// in-memory snapshot at each scrape (no I/O) — what the "silo count" alert watches. A hosted service
/// only so the gauge exists from start-up.
/// </summary>
internal sealed class MembershipMetrics(IMeterFactory meters, IClusterMembershipService membership) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        meters.Create(NemoInstrumentation.MeterName).CreateObservableGauge("nemo.cluster.silos",
            () => membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active), "{silo}",
            "Silos Active in this silo's view of the cluster's membership.");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
