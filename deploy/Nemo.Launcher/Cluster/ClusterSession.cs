using Nemo.Launcher.Infrastructure;
using Nemo.Launcher.Postgres;

namespace Nemo.Launcher.Cluster;

/// <summary>
/// Everything one launcher invocation started, so that it can be stopped in reverse order —
/// after Ctrl-C, after a failed start (no orphans), or at the end of a benchmark.
/// </summary>
internal sealed class ClusterSession(RepoLayout layout)
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);
    private readonly List<ChildProcess> _children = [];

    public IReadOnlyList<ChildProcess> Children => _children;

    /// <summary>The private PostgreSQL, once it is known to run.</summary>
    public PostgresEndpoint? Postgres { get; set; }

    public ChildProcess Add(ChildProcess child)
    {
        _children.Add(child);
        return child;
    }

    /// <summary>Waits until a child exits (returned) or the token fires (null).</summary>
    public async Task<ChildProcess?> WaitForAnyExitAsync(CancellationToken cancellationToken)
    {
        var exits = _children.Select(async child =>
        {
            await child.Handle.WaitForExitAsync(cancellationToken);
            return child;
        });
        try
        {
            return await await Task.WhenAny(exits);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// Stops the children newest first (SIGTERM, up to 15 s, then SIGKILL), then PostgreSQL when
    /// <paramref name="stopPostgres"/> says so, and removes cluster.json.
    /// </summary>
    public async Task StopAsync(bool stopPostgres)
    {
        for (var i = _children.Count - 1; i >= 0; i--)
        {
            var child = _children[i];
            if (!ProcessSignals.IsAlive(child.Pid))
            {
                continue;
            }

            var killed = await ProcessSignals.StopAsync(child.Pid, StopGrace);
            Console.Error.WriteLine(killed
                ? $"nemo: {child.Name} (pid {child.Pid}) ignored SIGTERM for {StopGrace.TotalSeconds:0} s and was killed"
                : $"nemo: stopped {child.Name} (pid {child.Pid})");
        }

        if (stopPostgres && await new PrivatePostgres(layout, PostgresSettings.FromEnvironment()).StopAsync())
        {
            Console.Error.WriteLine("nemo: stopped private PostgreSQL");
        }

        new ClusterManifestStore(layout).Delete();
    }
}
