using System.Net;
using Nemo.Tests.Cluster;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Telemetry;

/// <summary>
/// A real Prometheus scrapes real Nemo processes' <c>/metrics</c> (OpenTelemetry's Prometheus exporter),
/// and its HTTP API returns the request counters the test caused, by status class — for an all-in-one
/// node and for a split cluster of 2 silos and a gateway.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PrometheusScrapeTests
{
    private static ITestOutputHelper Output => TestContext.Current.TestOutputHelper!;

    private static readonly object Chat = new { model = "gpt-4o-mini", max_tokens = 8, messages = new[] { new { role = "user", content = "hi" } } };
    private static readonly object Stream = new { model = "gpt-4o-mini", max_tokens = 8, stream = true, messages = new[] { new { role = "user", content = "hi" } } };

    /// <summary>Sends 12 plain and 5 streamed completions (2xx), 4 with an unknown key (401) and 3 malformed (400) through <paramref name="gatewayUrl"/>.</summary>
    private static async Task<Tenant> SendKnownMixAsync(string gatewayUrl)
    {
        using var client = new HttpClient { BaseAddress = new Uri(gatewayUrl) };
        Tenant tenant = await Tenant.CreateAsync(client, credits: 10m);
        for (int i = 0; i < 12; i++)
            await ExpectAsync(client, tenant.Request(HttpMethod.Post, "/v1/chat/completions", Chat), HttpStatusCode.OK);
        for (int i = 0; i < 5; i++)
            await ExpectAsync(client, tenant.Request(HttpMethod.Post, "/v1/chat/completions", Stream), HttpStatusCode.OK);
        for (int i = 0; i < 4; i++)
            await ExpectAsync(client, (tenant with { ApiKey = "sk-nemo-" + new string('Z', 48) }).Request(HttpMethod.Post, "/v1/chat/completions", Chat), HttpStatusCode.Unauthorized);
        for (int i = 0; i < 3; i++)
            await ExpectAsync(client, tenant.Request(HttpMethod.Post, "/v1/chat/completions", "{\"model\":"), HttpStatusCode.BadRequest);
        return tenant;
    }

    private static async Task ExpectAsync(HttpClient client, HttpRequestMessage request, HttpStatusCode expected)
    {
        using (request)
        using (HttpResponseMessage response = await client.SendAsync(request))
        {
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"expected {expected}, got {response.StatusCode}: {body}");
        }
    }

    private static readonly Dictionary<string, double> ExpectedByStatusClass = new() { ["status_class=2xx"] = 17, ["status_class=4xx"] = 7 };

    [Fact]
    public async Task AllInOneNode_PrometheusCountsTheRequestsSent_ByStatusClass()
    {
        await using ClusterRig rig = await ClusterRig.StartAsync();
        NodeProcess node = await rig.StartAllInOneAsync();
        string deploy = Path.Combine(NodeProcess.RepositoryRoot, "deploy");
        await using PrometheusServer prometheus = await PrometheusServer.StartAsync([node.Url], [Path.Combine(deploy, "prometheus", "alerts.yml")]);

        Tenant tenant = await SendKnownMixAsync(node.Url);

        Dictionary<string, double> byClass = await prometheus.WaitForAsync("sum by (status_class) (nemo_gateway_requests_total)", ExpectedByStatusClass);
        Output.WriteLine("requests by status class: " + string.Join(", ", byClass.Select(kv => $"{kv.Key} {kv.Value}")));
        Assert.Equal(ExpectedByStatusClass, byClass);

        // The other instruments the issue lists, through the same scrape: admissions and refusals, streams'
        // time to first token, the integer cost (equal to the ledger's), the ledger's batches, the key cache.
        Dictionary<string, double> admissions = await prometheus.QueryAsync("sum by (outcome) (nemo_gateway_admissions_total)");
        Assert.Equal(17, admissions["outcome=admitted"]);
        Assert.Equal(4, admissions["outcome=unauthorized"]);
        Assert.Equal(5, Single(await prometheus.QueryAsync("sum(nemo_gateway_time_to_first_token_seconds_count)")));
        Assert.Equal(0, Single(await prometheus.QueryAsync("sum(nemo_gateway_streams_active)")));
        long ledgerCost = await rig.Database.ScalarAsync<long>("SELECT sum(cost)::bigint FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId));
        Assert.True(ledgerCost > 0);
        Assert.Equal(ledgerCost, (long)Single(await prometheus.QueryAsync("sum(nemo_gateway_cost_total)")));
        Assert.Equal(17, Single(await prometheus.QueryAsync("sum(nemo_ledger_batch_size_sum)")));
        Assert.True(Single(await prometheus.QueryAsync("sum(nemo_gateway_key_cache_lookups_total{result=\"hit\"})")) >= 17);
        Assert.Equal(1, Single(await prometheus.QueryAsync("max(nemo_cluster_silos)")));
        Assert.NotEmpty(await prometheus.QueryAsync("orleans_catalog_activations"));
        Assert.NotEmpty(await prometheus.QueryAsync("dotnet_gc_last_collection_heap_size_bytes")); // the runtime's; ./nemo bench --soak reads it
        Assert.NotEmpty(await prometheus.QueryAsync("http_server_request_duration_seconds_count"));

        // The shipped alert rules and Grafana dashboard name only series this node exports (a counter of
        // failures appears with the first failure), and every rule evaluates.
        string shipped = await File.ReadAllTextAsync(Path.Combine(deploy, "prometheus", "alerts.yml"))
            + await File.ReadAllTextAsync(Path.Combine(deploy, "grafana", "nemo-dashboard.json"));
        string[] names = [.. System.Text.RegularExpressions.Regex.Matches(shipped, @"\b(?:nemo|orleans)_[a-z0-9_]+").Select(m => m.Value).Distinct()
            .Where(n => n is not "nemo_ledger_batch_failures_total")];
        Assert.True(names.Length >= 15, string.Join(", ", names));
        foreach (string name in names)
            Assert.True((await prometheus.QueryAsync($"count({{__name__=~\"{name}(_bucket|_count)?\"}})")).Count == 1, $"{name} is used by deploy/ but not exported");
        List<(string Name, string Health, string? Error, string? State)> rules = [];
        await Admin.Eventually.TrueAsync(async () => (rules = await prometheus.RulesAsync()).Count > 0 && rules.All(r => r.Health != "unknown"),
            "every alert rule has been evaluated");
        Assert.Equal(10, rules.Count);
        Assert.All(rules, r => Assert.True(r.Health == "ok", $"{r.Name}: {r.Health} {r.Error}"));
        Assert.Equal("inactive", rules.Single(r => r.Name == "NemoHighErrorRate").State);
        Assert.NotEqual("inactive", rules.Single(r => r.Name == "NemoSiloCountLow").State); // one silo of the 3 expected
    }

    [Fact]
    public async Task TwoSilosAndAGateway_PrometheusScrapesEveryNode_CountsMatchWhatWasSent()
    {
        await using ClusterRig rig = await ClusterRig.StartAsync();
        await rig.StartAsync(silos: 2, gateways: 1);
        await using PrometheusServer prometheus = await PrometheusServer.StartAsync(rig.Silos.Concat(rig.Gateways).Select(n => n.Url));

        await SendKnownMixAsync(rig.Gateways[0].Url);

        Dictionary<string, double> byClass = await prometheus.WaitForAsync("sum by (status_class) (nemo_gateway_requests_total)", ExpectedByStatusClass);
        Assert.Equal(ExpectedByStatusClass, byClass);
        // Prometheus spreads its targets' first scrapes over the interval: wait until every node has been scraped.
        Assert.Equal(3, Single(await prometheus.WaitForAsync("count(up{job=\"nemo\"} == 1)", One(3))));
        Dictionary<string, double> up = await prometheus.QueryAsync("up{job=\"nemo\"}");
        Output.WriteLine("targets: " + string.Join(", ", up.Select(kv => $"{kv.Key} {kv.Value}")));
        Assert.Equal(3, up.Count);
        Assert.All(up.Values, v => Assert.Equal(1, v));
        // Every silo sees both; the settles were committed by the ledger of whichever silo hosts the organization.
        Assert.Equal(2, Single(await prometheus.WaitForAsync("count(nemo_cluster_silos == 2)", One(2))));
        Assert.Equal(17, Single(await prometheus.WaitForAsync("sum(nemo_ledger_batch_size_sum)", One(17))));
    }

    /// <summary>The answer of a query with one unlabelled series.</summary>
    private static Dictionary<string, double> One(double value) => new() { [""] = value };

    private static double Single(Dictionary<string, double> result)
    {
        Assert.True(result.Count == 1, "expected one series, got: " + string.Join(", ", result.Select(kv => $"{{{kv.Key}}} {kv.Value}")));
        return result.Values.Single();
    }
}
