using System.Net;
using System.Text.Json;
using Nemo.Tests.Cluster;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Telemetry;

/// <summary>
/// A real node's console output is structured JSON, one object per line; a line written while a request
/// runs carries the request id (the <c>x-nemo-request-id</c> header) and the organization id in its
/// scopes, next to the trace id; and no line holds a secret (the client's key, the master key, the
/// provider's key).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class JsonLogTests
{
    [Fact]
    public async Task ConsoleLogs_AreJson_WithRequestAndOrganizationIds_AndNoSecrets()
    {
        await using ClusterRig rig = await ClusterRig.StartAsync();
        rig.Settings["Logging__LogLevel__Nemo.Gateway.Proxy"] = "Debug"; // the settle's Debug line, written inside the request
        NodeProcess node = await rig.StartAllInOneAsync();
        using var client = new HttpClient { BaseAddress = new Uri(node.Url) };
        Tenant tenant = await Tenant.CreateAsync(client, credits: 1m);
        string requestId;
        using (HttpResponseMessage response = await client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions",
                   new { model = "gpt-4o-mini", max_tokens = 5, messages = new[] { new { role = "user", content = "log me" } } })))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            requestId = response.Headers.GetValues("x-nemo-request-id").Single();
        }

        JsonElement settled = default;
        string[] lines = [];
        await Admin.Eventually.TrueAsync(() =>
        {
            lines = [.. node.LogTail(10_000).Split('\n').Where(l => l.Length > 0)];
            settled = lines.Select(Parse).FirstOrDefault(j => j.ValueKind == JsonValueKind.Object && j.GetProperty("EventId").GetInt32() == 7005);
            return Task.FromResult(settled.ValueKind == JsonValueKind.Object);
        }, "the settle's log line is written");

        Assert.All(lines, line => Assert.True(Parse(line).ValueKind == JsonValueKind.Object, "not a JSON object: " + line));
        JsonElement[] scopes = [.. settled.GetProperty("Scopes").EnumerateArray()];
        Assert.Contains(scopes, s => s.TryGetProperty("NemoRequestId", out JsonElement id) && id.GetString() == requestId);
        Assert.Contains(scopes, s => s.TryGetProperty("OrganizationId", out JsonElement id) && id.GetString() == tenant.OrganizationId.ToString());
        Assert.Contains(scopes, s => s.TryGetProperty("TraceId", out _));
        string all = string.Join('\n', lines);
        Assert.DoesNotContain(tenant.ApiKey, all);
        Assert.DoesNotContain(tenant.ApiKey["sk-nemo-".Length..], all);
        Assert.DoesNotContain(NemoTestHost.MasterKey, all);
        Assert.DoesNotContain("sk-fake-provider-key", all);
    }

    private static JsonElement Parse(string line)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(line);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return default;
        }
    }
}
