using Nemo.Launcher.Demo;
using Nemo.Launcher.Infrastructure;
using Nemo.Launcher.Postgres;

namespace Nemo.Launcher.Cluster;

/// <summary>
/// Brings a cluster up in dependency order: PostgreSQL, the fake upstream, then the Nemo
/// processes (silos before gateways), each waited for; then the demo organization and
/// cluster.json. Migrations are applied by the Nemo hosts themselves at start-up.
/// Everything started is recorded in the <see cref="ClusterSession"/> as it starts, so a
/// failure at any step leaves the caller able to stop exactly that.
/// </summary>
internal sealed class ClusterStarter(RepoLayout layout, HttpClient http)
{
    private const string FallbackModel = "gpt-4o-mini";

    public async Task<RunningCluster> StartAsync(Topology topology, ClusterSession session, CancellationToken cancellationToken)
    {
        var artifacts = new ClusterArtifacts(layout);
        artifacts.RequireAll(artifacts.For(topology));

        var masterKey = MasterKey.ReadOrCreate(layout);
        var postgres = await new PrivatePostgres(layout, PostgresSettings.FromEnvironment()).EnsureRunningAsync(cancellationToken);
        session.Postgres = postgres;

        var launcher = new ChildProcessLauncher(layout);
        var probe = new ReadinessProbe(http, layout);

        var upstream = session.Add(launcher.Start(Roles.Upstream, 1, artifacts.FakeUpstream, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        }));
        await probe.WaitAsync(upstream, "/v1/models", cancellationToken);
        var upstreamBaseUrl = upstream.Url + "/v1";

        Dictionary<string, string> NemoEnvironmentFor(string? role) =>
            NemoEnvironment.For(role, postgres.AppConnectionString ?? postgres.ConnectionString(), masterKey, upstreamBaseUrl);

        // A split gateway is an Orleans client, or with --gateway-mode silo a silo that hosts no grain.
        Dictionary<string, string> GatewayEnvironment()
        {
            var environment = NemoEnvironmentFor(Roles.Gateway);
            if (topology.GatewaysAsSilos)
            {
                environment["Nemo__Role"] = "gateway-silo";
            }

            return environment;
        }

        var gateways = new List<ChildProcess>();
        if (!topology.Split)
        {
            gateways.Add(session.Add(launcher.Start(Roles.AllInOne, 1, artifacts.Gateway, NemoEnvironmentFor(Roles.AllInOne))));
        }
        else
        {
            var silos = Enumerable.Range(1, topology.Silos)
                .Select(i => session.Add(launcher.Start(Roles.Silo, i, artifacts.Silo, NemoEnvironmentFor(role: null))))
                .ToList();
            await WaitAllAsync(probe, silos, cancellationToken);
            gateways.AddRange(Enumerable.Range(1, topology.Gateways)
                .Select(i => session.Add(launcher.Start(Roles.Gateway, i, artifacts.Gateway, GatewayEnvironment()))));
        }

        await WaitAllAsync(probe, gateways, cancellationToken);

        var api = new AdminApi(http, gateways[0].Url, masterKey);
        var demo = await new DemoOrganizationProvisioner(layout).EnsureAsync(api, cancellationToken);
        var models = await api.ListModelsAsync(demo.DemoKey, cancellationToken);

        var manifest = new ClusterManifest(
            GatewayUrls: gateways.Select(g => g.Url).ToList(),
            MasterKey: masterKey,
            DemoKey: demo.DemoKey,
            DemoOrgId: demo.DemoOrgId,
            UpstreamUrl: upstreamBaseUrl,
            Postgres: postgres.ConnectionString(),
            Processes:
            [
                new ManifestProcess(Roles.Postgres, postgres.Pid, postgres.Url),
                .. session.Children.Select(c => new ManifestProcess(c.Role, c.Pid, c.Url)),
            ],
            // localhost, not 127.0.0.1: browsers keep the console's Secure cookies over plain HTTP only there.
            ConsoleUrl: gateways[0].Url.Replace("://127.0.0.1:", "://localhost:", StringComparison.Ordinal) + "/signin",
            DemoOwnerEmail: demo.DemoOwnerEmail,
            DemoOwnerPassword: demo.DemoOwnerPassword);
        new ClusterManifestStore(layout).Write(manifest);
        // Prefer the catalog's chat model for the printed example; any model the key may use otherwise.
        return new RunningCluster(manifest, models is { Count: > 0 } && !models.Contains(FallbackModel) ? models[0] : FallbackModel);
    }

    /// <summary>The processes were all started already, so waiting on them one by one still overlaps their start-up.</summary>
    private static async Task WaitAllAsync(ReadinessProbe probe, IEnumerable<ChildProcess> children, CancellationToken cancellationToken)
    {
        foreach (var child in children)
        {
            await probe.WaitAsync(child, "/readyz", cancellationToken);
        }
    }
}
