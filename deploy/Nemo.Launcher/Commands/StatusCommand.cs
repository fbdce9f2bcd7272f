using System.CommandLine;
using Nemo.Launcher.Cluster;
using Nemo.Launcher.Infrastructure;
using Nemo.Launcher.Postgres;

namespace Nemo.Launcher.Commands;

/// <summary><c>status</c>: print cluster.json and whether each recorded process is alive. Exit 0 only if all are.</summary>
internal static class StatusCommand
{
    public static Command Create(RepoLayout layout)
    {
        var command = new Command("status", "Print .nemo/run/cluster.json and whether each recorded process is alive (exit 0 only if all are).");
        command.SetAction((_, _) => RunAsync(layout));
        return command;
    }

    private static async Task<int> RunAsync(RepoLayout layout)
    {
        var store = new ClusterManifestStore(layout);
        var manifest = store.TryRead();
        var postgres = await new PrivatePostgres(layout, PostgresSettings.FromEnvironment()).StatusAsync();
        if (manifest is null)
        {
            Console.WriteLine($"No cluster is recorded ({layout.Relative(store.Path)} is absent).");
            Console.WriteLine(postgres is null
                ? "private PostgreSQL: not running"
                : $"private PostgreSQL: running (pid {postgres.Pid}, 127.0.0.1:{postgres.Port})");
            return 1;
        }

        Console.Write(store.ReadRaw());
        Console.WriteLine();
        var allAlive = true;
        foreach (var process in manifest.Processes)
        {
            var alive = process.Role == Roles.Postgres ? postgres?.Pid == process.Pid : ClusterManifestStore.IsOurs(process);
            allAlive &= alive;
            Console.WriteLine($"  {process.Role,-11} pid {process.Pid,-8} {(alive ? "alive" : "DEAD "),-6} {process.Url}");
        }

        return allAlive ? 0 : 1;
    }
}
