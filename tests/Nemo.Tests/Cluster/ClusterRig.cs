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
        ["Nemo__Cluster__PartitionCount"] = "64",
        ["Nemo__Cluster__LeaseDuration"] = "00:00:03",
        ["Nemo__Cluster__RenewInterval"] = "00:00:01",
        ["Nemo__Cluster__SafetyMargin"] = "00:00:01",
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

    private Dictionary<string, string> Environment(string role)
    {
        var environment = new Dictionary<string, string>(Settings)
        {
            ["ConnectionStrings__Nemo"] = Database.ConnectionString,
            ["NEMO_MASTER_KEY"] = NemoTestHost.MasterKey,
            ["ASPNETCORE_ENVIRONMENT"] = "Demo", // the demo provider catalog, Nemo.Gateway/appsettings.Demo.json
        };
        if (role == "gateway")
        {
            environment["Nemo__Role"] = "gateway";
            environment["Nemo__Providers__demo__BaseUrl"] = Upstream.Urls.First() + "/v1";
            environment["Nemo__Providers__demo__ApiKey"] = "sk-fake-provider-key";
        }
        return environment;
    }

    public async Task<NodeProcess> StartSiloAsync() => await StartAsync("silo", "Nemo.Silo");

    public async Task<NodeProcess> StartGatewayAsync() => await StartAsync("gateway", "Nemo.Gateway");

    private async Task<NodeProcess> StartAsync(string role, string project)
    {
        NodeProcess node = NodeProcess.Start(role, project, Environment(role), _logDirectory);
        _nodes.Add(node);
        await node.WaitReadyAsync(TimeSpan.FromSeconds(60));
        return node;
    }

    /// <summary>Starts several nodes at once (each still waits for its own readiness).</summary>
    public async Task StartAsync(int silos, int gateways)
    {
        await Task.WhenAll(Enumerable.Range(0, silos).Select(_ => StartSiloAsync()));
        await Task.WhenAll(Enumerable.Range(0, gateways).Select(_ => StartGatewayAsync()));
    }

    /// <summary>Owner silo address → leases held (valid ones only).</summary>
    public async Task<Dictionary<string, long>> LeaseCountsAsync()
    {
        var counts = new Dictionary<string, long>();
        await using var connection = new Npgsql.NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT s.address, count(*) FROM nemo.partition_leases l JOIN nemo.silos s ON s.silo_id = l.owner_silo WHERE l.expires_at > now() GROUP BY s.address", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            counts[reader.GetString(0)] = reader.GetInt64(1);
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
