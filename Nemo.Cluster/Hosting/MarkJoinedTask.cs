using Orleans;

namespace Nemo.Cluster.Hosting;

/// <summary>Runs when the silo reaches the Active stage of its lifecycle: it has joined membership and serves grains.</summary>
internal sealed class MarkJoinedTask(NemoReadiness readiness) : IStartupTask
{
    public Task Execute(CancellationToken cancellationToken)
    {
        readiness.MarkJoined();
        return Task.CompletedTask;
    }
}
