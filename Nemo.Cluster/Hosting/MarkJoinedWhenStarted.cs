using Microsoft.Extensions.Hosting;

namespace Nemo.Cluster.Hosting;

/// <summary>
/// A split gateway has joined once its Orleans client connected: the client's hosted service starts
/// before this one and returns only when connected, so this one starting is the signal.
/// </summary>
internal sealed class MarkJoinedWhenStarted(NemoReadiness readiness) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        readiness.MarkJoined();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
