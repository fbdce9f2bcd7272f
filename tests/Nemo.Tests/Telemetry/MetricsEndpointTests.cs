using System.Net;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Telemetry;

/// <summary>
/// <c>/metrics</c> on an in-process node: no label names an organization by default; the operator's
/// <c>Nemo:Telemetry:OrganizationLabel</c> adds one; <c>Nemo:Telemetry:Enabled=false</c> removes the endpoint.
/// </summary>
public sealed class MetricsEndpointTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();

    public ValueTask InitializeAsync() => _database.InitializeAsync();

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    private async Task<(Tenant Tenant, HttpStatusCode Status, string Text)> ScrapeAfterARequestAsync(IDictionary<string, string?>? settings)
    {
        await using NemoTestHost host = await NemoTestHost.StartAsync(_database.ConnectionString, settings);
        Tenant tenant = await Tenant.CreateAsync(host.Client, credits: 1m);
        using (HttpResponseMessage chat = await host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions",
                   new { model = "gpt-4o-mini", max_tokens = 5, messages = new[] { new { role = "user", content = "count me" } } })))
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        // The counter is recorded when the handler returns, which can be just after the client has read the
        // response: scrape until the request shows (or the endpoint is absent), for at most 10 s.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using HttpResponseMessage metrics = await host.Client.GetAsync("/metrics");
            string text = await metrics.Content.ReadAsStringAsync();
            if (metrics.StatusCode != HttpStatusCode.OK || ChatLines(text).Any(l => l.Contains("status_class=\"2xx\"", StringComparison.Ordinal))
                || DateTime.UtcNow > deadline)
                return (tenant, metrics.StatusCode, text);
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// The request counter's lines for the chat route. OpenTelemetry listens to every meter named Nemo in the
    /// process, so tests running beside this one (other in-process hosts) can add lines of their own.
    /// </summary>
    private static IEnumerable<string> ChatLines(string text) => text.Split('\n').Where(l =>
        l.StartsWith("nemo_gateway_requests_total{", StringComparison.Ordinal) && l.Contains("route=\"/v1/chat/completions\"", StringComparison.Ordinal));

    [Fact]
    public async Task ByDefault_NoLabelNamesAnOrganization()
    {
        (Tenant tenant, HttpStatusCode status, string text) = await ScrapeAfterARequestAsync(null);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(ChatLines(text), l => l.Contains("status_class=\"2xx\"", StringComparison.Ordinal)
            && l.Contains("model=\"gpt-4o-mini\"", StringComparison.Ordinal));
        Assert.DoesNotContain("organization=\"", text); // route templates such as /v1/admin/organizations are fine
        Assert.DoesNotContain(tenant.OrganizationId.ToString(), text);
    }

    [Fact]
    public async Task OrganizationLabel_WhenTheOperatorTurnsItOn()
    {
        (Tenant tenant, HttpStatusCode status, string text) = await ScrapeAfterARequestAsync(
            new Dictionary<string, string?> { ["Nemo:Telemetry:OrganizationLabel"] = "true" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(text.Split('\n'), l => l.StartsWith("nemo_gateway_requests_total{", StringComparison.Ordinal)
            && l.Contains($"organization=\"{tenant.OrganizationId}\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TelemetryOff_NoMetricsEndpoint()
    {
        (_, HttpStatusCode status, _) = await ScrapeAfterARequestAsync(new Dictionary<string, string?> { ["Nemo:Telemetry:Enabled"] = "false" });

        Assert.Equal(HttpStatusCode.NotFound, status);
    }
}
