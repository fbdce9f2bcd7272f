using Microsoft.AspNetCore.Builder;
using Nemo.FakeUpstream;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Cluster;

/// <summary>
/// A multi-process Nemo on loopback for cluster tests: a fresh database, an in-process fake upstream,
/// and silos and gateways as child processes that a test can start, kill -9 or SIGTERM.
/// </summary>
public sealed class ClusterRig : IAsyncDisposable
{
    private readonly List<NodeProcess> _nodes = [];
    private readonly string _logDirectory = Directory.CreateTempSubdirectory("nemo-cluster-").FullName;

    private ClusterRig(TestDatabase database, WebApplication upstream, FakeUpstreamOptions upstreamOptions)
    {
        Database = database;
        Upstream = upstream;
        UpstreamOptions = upstreamOptions;
    }

    public TestDatabase Database { get; }

    public WebApplication Upstream { get; }

    public FakeUpstreamOptions UpstreamOptions { get; }

    public IReadOnlyList<NodeProcess> Silos => _nodes.Where(n => n.Role == "silo").ToList();

    public IReadOnlyList<NodeProcess> Gateways => _nodes.Where(n => n.Role == "gateway").ToList();

    /// <summary>Settings every node gets (on top of the connection string, master key and provider catalog).</summary>
    public Dictionary<string, string> Settings { get; } = new()
    {
        ["Logging__LogLevel__Orleans"] = "Warning",
        ["Logging__LogLevel__Orleans.Runtime.MembershipService"] = "Information",
        ["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ",
    };

    public static async Task<ClusterRig> StartAsync(FakeUpstreamOptions? upstreamOptions = null)
    {
        var database = new TestDatabase();
        await database.InitializeAsync();
        upstreamOptions ??= new FakeUpstreamOptions();
        WebApplication upstream = FakeUpstreamApp.Build(["--urls", "http://127.0.0.1:0"], upstreamOptions);
        await upstream.StartAsync();
        return new ClusterRig(database, upstream, upstreamOptions);
    }

    private Dictionary<string, string> Environment(string role, int clusterPort)
    {
        var environment = new Dictionary<string, string>(Settings)
        {
            ["Nemo__Cluster__SiloPort"] = clusterPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Nemo__Cluster__GatewayPort"] = "0",
            // Several nodes and the suite's other databases share one server (max_connections 300):
            // bounded pools wait for a connection instead of the server refusing one.
            ["ConnectionStrings__Nemo"] = new Npgsql.NpgsqlConnectionStringBuilder(Database.ConnectionString) { MaxPoolSize = 20 }.ConnectionString,
            ["NEMO_MASTER_KEY"] = NemoTestHost.MasterKey,
            ["ASPNETCORE_ENVIRONMENT"] = "Demo", // the demo provider catalog, Nemo.Gateway/appsettings.Demo.json
        };
        if (role is "gateway" or "all-in-one")
        {
            environment["Nemo__Role"] = role;
            environment["Nemo__Providers__demo__BaseUrl"] = Upstream.Urls.First() + "/v1";
            environment["Nemo__Providers__demo__ApiKey"] = "sk-fake-provider-key";
        }
        return environment;
    }

    public async Task<NodeProcess> StartSiloAsync() => await StartAsync("silo", "Nemo.Silo");

    public async Task<NodeProcess> StartGatewayAsync() => await StartAsync("gateway", "Nemo.Gateway");

    /// <summary>A gateway that co-hosts a silo, as <c>./nemo up</c> runs by default.</summary>
    public async Task<NodeProcess> StartAllInOneAsync() => await StartAsync("all-in-one", "Nemo.Gateway");

    /// <summary>
    /// Starts a node on ports picked free just before. Another process may take one of them before the node binds
    /// it (nodes start several at a time, beside other tests'): a node that exits for an address already in use
    /// is started again on new ports, at most three times. Any other failure is the test's.
    /// </summary>
    private async Task<NodeProcess> StartAsync(string role, string project)
    {
        for (int attempt = 1; ; attempt++)
        {
            int clusterPort = NodeProcess.FreePort();
            NodeProcess node = NodeProcess.Start(role, project, Environment(role, clusterPort), _logDirectory, clusterPort);
            lock (_nodes)
                _nodes.Add(node);
            try
            {
                await node.WaitReadyAsync(TimeSpan.FromSeconds(60));
                return node;
            }
            catch (InvalidOperationException ex) when (attempt < 3 && ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                lock (_nodes)
                    _nodes.Remove(node);
                await node.DisposeAsync();
            }
        }
    }

    /// <summary>Starts several nodes at once (each still waits for its own readiness).</summary>
    public async Task StartAsync(int silos, int gateways)
    {
        await Task.WhenAll(Enumerable.Range(0, silos).Select(_ => StartSiloAsync()));
        await Task.WhenAll(Enumerable.Range(0, gateways).Select(_ => StartGatewayAsync()));
    }

    /// <summary>The silo process whose activation of the organization holds the current epoch.</summary>
    public async Task<NodeProcess> OwnerOfAsync(Guid organizationId)
    {
        string silo = await Database.ScalarAsync<string>(
            "SELECT silo FROM nemo.organization_activations WHERE organization_id = @org", ("org", organizationId));
        // Orleans silo addresses read "S127.0.0.1:port:generation".
        int port = int.Parse(silo.TrimStart('S').Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        return _nodes.Single(n => n.ClusterPort == port);
    }

    /// <summary>Silo (by cluster port) → organizations whose current activation it holds.</summary>
    public async Task<Dictionary<int, long>> ActivationCountsAsync()
    {
        var counts = new Dictionary<int, long>();
        await using var connection = new Npgsql.NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT silo, count(*) FROM nemo.organization_activations WHERE active GROUP BY silo", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            counts[int.Parse(reader.GetString(0).TrimStart('S').Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)] = reader.GetInt64(1);
        return counts;
    }

    public string Logs() => string.Join("\n\n", _nodes.Select(n => $"== {n.Role} {n.Url} (pid {n.Pid})\n{n.LogTail(25)}"));

    public async ValueTask DisposeAsync()
    {
        foreach (NodeProcess node in _nodes)
            await node.DisposeAsync();
        await Upstream.StopAsync();
        await Upstream.DisposeAsync();
        await Database.DisposeAsync();
    }
}
