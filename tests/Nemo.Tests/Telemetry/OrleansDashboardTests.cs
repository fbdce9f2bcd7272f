using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Telemetry;

/// <summary>
/// Microsoft.Orleans.Dashboard at <c>/dashboard</c>: absent unless <c>Nemo:Cluster:Dashboard</c> is on, and
/// then served to the operator's master key only (Basic for browsers, Bearer for scripts), never to a
/// member's key or a wrong password.
/// </summary>
public sealed class OrleansDashboardTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();

    public ValueTask InitializeAsync() => _database.InitializeAsync();

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, AuthenticationHeaderValue? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = authorization;
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task Off_ByDefault()
    {
        await using NemoTestHost host = await NemoTestHost.StartAsync(_database.ConnectionString);

        using HttpResponseMessage response = await GetAsync(host.Client, "/dashboard/index.html", Basic("ops", NemoTestHost.MasterKey));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task On_ServesTheMasterKeyOnly()
    {
        await using NemoTestHost host = await NemoTestHost.StartAsync(_database.ConnectionString,
            new Dictionary<string, string?> { ["Nemo:Cluster:Dashboard"] = "true" });
        Tenant tenant = await Tenant.CreateAsync(host.Client, credits: 1m);

        using (HttpResponseMessage anonymous = await GetAsync(host.Client, "/dashboard/index.html", null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.StartsWith("Basic realm=", anonymous.Headers.WwwAuthenticate.ToString());
        }
        foreach (AuthenticationHeaderValue wrong in new[]
                 {
                     Basic("ops", "not-the-master-key"),
                     Basic("ops", tenant.ApiKey),
                     new AuthenticationHeaderValue("Bearer", tenant.ApiKey),
                     new AuthenticationHeaderValue("Basic", "%%%not base64%%%"),
                     new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(NemoTestHost.MasterKey))), // no "user:"
                 })
        {
            using HttpResponseMessage refused = await GetAsync(host.Client, "/dashboard/ClusterStats", wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (HttpResponseMessage page = await GetAsync(host.Client, "/dashboard/index.html", Basic("ops", NemoTestHost.MasterKey)))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }

        // The dashboard's data: the silo of this all-in-one node, by the Bearer form a script would use.
        string counters = "";
        await Admin.Eventually.TrueAsync(async () =>
        {
            using HttpResponseMessage response = await GetAsync(host.Client, "/dashboard/DashboardCounters",
                new AuthenticationHeaderValue("Bearer", NemoTestHost.MasterKey));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            counters = await response.Content.ReadAsStringAsync();
            using JsonDocument json = JsonDocument.Parse(counters);
            return json.RootElement.TryGetProperty("totalActiveHostCount", out JsonElement hosts) && hosts.GetInt32() >= 1;
        }, "the dashboard reports the node's silo", onTimeout: () => counters);

        // The LLM route is untouched by the operator scheme: the member's key still works there.
        using HttpResponseMessage chat = await host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions",
            new { model = "gpt-4o-mini", max_tokens = 5, messages = new[] { new { role = "user", content = "hi" } } }));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
    }

    [Fact]
    public async Task On_WithoutAMasterKey_RefusesToStart()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using NemoTestHost host = await NemoTestHost.StartAsync(_database.ConnectionString,
                new Dictionary<string, string?> { ["Nemo:Cluster:Dashboard"] = "true", ["NEMO_MASTER_KEY"] = "" });
        });
        Assert.Contains("NEMO_MASTER_KEY", error.ToString());
    }
}
