using System.CommandLine;
using Nemo.Launcher.Cluster;
using Nemo.Launcher.Infrastructure;
using Nemo.Launcher.Postgres;

namespace Nemo.Launcher.Commands;

/// <summary><c>down</c>: stop the processes recorded in cluster.json (newest first) and the private PostgreSQL.</summary>
internal static class DownCommand
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);

    public static Command Create(RepoLayout layout)
    {
        var command = new Command("down", "Stop the cluster recorded in .nemo/run/cluster.json and the private PostgreSQL (data, keys and demo organization are kept).");
        command.SetAction((_, _) => RunAsync(layout));
        return command;
    }

    private static async Task<int> RunAsync(RepoLayout layout)
    {
        var store = new ClusterManifestStore(layout);
        var manifest = store.TryRead();

        // Removed first: a foreground ./nemo up watching its children takes a missing
        // cluster.json to mean "stopped on purpose" rather than "crashed".
        store.Delete();
        var stoppedAny = false;
        foreach (var process in (manifest?.Processes ?? []).Reverse())
        {
            if (process.Role == Roles.Postgres || !ClusterManifestStore.IsOurs(process))
            {
                continue;
            }

            var killed = await ProcessSignals.StopAsync(process.Pid, StopGrace);
            Console.WriteLine(killed
                ? $"nemo: {process.Role} (pid {process.Pid}) ignored SIGTERM for {StopGrace.TotalSeconds:0} s and was killed"
                : $"nemo: stopped {process.Role} (pid {process.Pid})");
            stoppedAny = true;
        }

        if (await new PrivatePostgres(layout, PostgresSettings.FromEnvironment()).StopAsync())
        {
            Console.WriteLine("nemo: stopped private PostgreSQL");
            stoppedAny = true;
        }

        if (!stoppedAny)
        {
            Console.WriteLine("nemo: nothing was running");
        }

        return 0;
    }
}
