using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Cluster;

/// <summary>One cluster at a time: refuses to start while another launcher or a detached cluster runs.</summary>
internal static class ClusterGuard
{
    /// <summary>
    /// Takes the launcher lock (held by a foreground <c>up</c> or a <c>bench</c> for its lifetime)
    /// and checks that no process recorded in cluster.json is alive (a detached <c>up</c>).
    /// A cluster.json whose processes are all gone is stale and removed.
    /// </summary>
    public static LauncherLock Acquire(RepoLayout layout)
    {
        var held = LauncherLock.TryAcquire(layout.LockFile)
            ?? throw new LauncherException("another ./nemo up or ./nemo bench is running in this repository; stop it (Ctrl-C in its terminal, or ./nemo down) first");

        var store = new ClusterManifestStore(layout);
        var manifest = store.TryRead();
        if (manifest is null)
        {
            return held;
        }

        var live = ClusterManifestStore.LiveNemoProcesses(manifest);
        if (live.Count > 0)
        {
            held.Dispose();
            throw new LauncherException(
                $"a Nemo cluster is already running (gateway {string.Join(", ", manifest.GatewayUrls)}; pids {string.Join(", ", live.Select(p => p.Pid))}); ./nemo status shows it, ./nemo down stops it");
        }

        store.Delete();
        return held;
    }
}
