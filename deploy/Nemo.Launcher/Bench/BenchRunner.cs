using Nemo.Launcher.Cluster;
using Nemo.Launcher.Commands;
using Nemo.Launcher.Demo;
using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Bench;

/// <summary>
/// Starts a cluster as <c>up</c> does, runs the load generator (tests/Nemo.Bench) against the
/// fake upstream directly, through a bare nginx proxy (the floor) and through the gateway side by side,
/// then stops what it started.
/// </summary>
internal sealed class BenchRunner(RepoLayout layout)
{
    public async Task<int> RunAsync(Topology topology, BenchSettings settings, IReadOnlyList<string> extraArguments)
    {
        var artifacts = new ClusterArtifacts(layout);
        artifacts.RequireAll([.. artifacts.For(topology), artifacts.Bench]);

        using var signal = new ShutdownSignal();
        using var guard = ClusterGuard.Acquire(layout);
        using var http = LauncherHttp.Create();
        var session = new ClusterSession(layout);
        try
        {
            var manifest = (await new ClusterStarter(layout, http).StartAsync(topology, session, signal.Token)).Manifest;
            var nemoUrl = manifest.GatewayUrls[0] + "/v1";
            if (extraArguments.Contains("--faulty-share") && !extraArguments.Contains("--faulty-key"))
            {
                // The faulty requests come from another organization: its faults must not slow the demo tenant.
                var api = new AdminApi(http, manifest.GatewayUrls[0], manifest.MasterKey);
                var faulty = await api.CreateOrganizationAsync("Bench faulty tenant", $"bench-faulty-{Guid.NewGuid():N}@nemo.local", signal.Token)
                    ?? throw new LauncherException("could not create the bench's faulty organization");
                await api.GrantCreditsAsync(faulty.OrganizationId, 1000m, "bench faulty tenant", signal.Token);
                extraArguments = [.. extraArguments, "--faulty-key", faulty.ApiKey];
            }

            if (manifest.Processes.FirstOrDefault(p => p.Url == manifest.GatewayUrls[0]) is { } gateway)
            {
                // The report gives the measured gateway's CPU and allocations per request (and, in a soak, its RSS and GC heap).
                extraArguments = [.. extraArguments, "--gateway-pid", gateway.Pid.ToString(), "--metrics-url", manifest.GatewayUrls[0] + "/metrics"];
            }

            await using NginxFloor? floor = extraArguments.Contains("--soak-minutes") || extraArguments.Contains("--tail-minutes") ? null : await NginxFloor.StartAsync(layout, new Uri(manifest.UpstreamUrl), signal.Token);
            if (floor is not null)
            {
                extraArguments = [.. extraArguments, "--floor-url", floor.BaseUrl.ToString()];
            }

            Console.Error.WriteLine($"nemo: benchmark ({topology}): {manifest.UpstreamUrl} directly{(floor is null ? "" : $", through nginx ({floor.BaseUrl})")} and through {nemoUrl}, rates {settings.Rates}/s, {settings.DurationSeconds} s each");
            return await ExternalCommand.StreamAsync(
                DotnetHost.Path,
                [
                    artifacts.Bench,
                    "--direct-url", manifest.UpstreamUrl,
                    "--direct-key", NemoEnvironment.DemoProviderKey,
                    "--nemo-url", nemoUrl,
                    "--nemo-key", manifest.DemoKey,
                    "--rates", settings.Rates,
                    "--duration", settings.DurationSeconds.ToString(),
                    .. extraArguments,
                ],
                new Dictionary<string, string>(),
                layout.Root,
                signal.Token);
        }
        catch (Exception e)
        {
            return signal.Token.IsCancellationRequested ? 130 : LauncherCli.Report(e);
        }
        finally
        {
            await session.StopAsync(stopPostgres: session.Postgres?.StartedHere == true);
        }
    }
}
