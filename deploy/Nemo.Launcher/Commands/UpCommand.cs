using System.CommandLine;
using Nemo.Launcher.Cluster;
using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Commands;

/// <summary><c>up [--detach] [--silos N --gateways M]</c>: start a local cluster and keep it until Ctrl-C.</summary>
internal static class UpCommand
{
    public static Command Create(RepoLayout layout)
    {
        var detach = new Option<bool>("--detach")
        {
            Description = "Return once the cluster is ready and leave it running in the background (stop it with ./nemo down).",
        };
        var topology = new TopologyOptions();
        var command = new Command("up", "Start the private PostgreSQL, the fake upstream and Nemo; create a demo organization; print the gateway URL and a demo key.")
        {
            detach,
        };
        topology.AddTo(command);
        command.SetAction((parseResult, _) => RunAsync(layout, topology.Read(parseResult), parseResult.GetValue(detach)));
        return command;
    }

    private static async Task<int> RunAsync(RepoLayout layout, Topology topology, bool detach)
    {
        using var signal = new ShutdownSignal();
        using var guard = ClusterGuard.Acquire(layout);
        using var http = LauncherHttp.Create();
        var session = new ClusterSession(layout);

        RunningCluster cluster;
        try
        {
            cluster = await new ClusterStarter(layout, http).StartAsync(topology, session, signal.Token);
        }
        catch (Exception e)
        {
            var exitCode = signal.Token.IsCancellationRequested ? 130 : LauncherCli.Report(e);
            if (session.Children.Count > 0 || session.Postgres?.StartedHere == true)
            {
                Console.Error.WriteLine("nemo: stopping what was started");
            }

            await session.StopAsync(stopPostgres: session.Postgres?.StartedHere == true);
            return exitCode;
        }

        ClusterBanner.Print(cluster, topology, detach);
        if (detach)
        {
            return 0;
        }

        var exited = await session.WaitForAnyExitAsync(signal.Token);
        var crashed = exited is not null && new ClusterManifestStore(layout).Exists;
        if (exited is not null)
        {
            Console.Error.WriteLine(crashed
                ? $"nemo: {exited.Name} (pid {exited.Pid}) exited ({exited.DescribeExit()}); stopping the cluster. Last lines of {layout.Relative(exited.LogFile)}:\n{LogTail.Read(exited.LogFile)}"
                : "nemo: the cluster is being stopped from outside (./nemo down)");
        }

        await session.StopAsync(stopPostgres: true);
        return crashed ? 1 : 0;
    }
}
