using System.Net.Http.Json;
using System.Text.Json;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Cluster;

/// <summary>Creates an organization with credits and extra keys through a gateway process.</summary>
public static class ClusterTenant
{
    public static async Task<(Tenant Tenant, List<string> Keys)> CreateAsync(string gatewayUrl, decimal credits, int keys)
    {
        using var client = new HttpClient { BaseAddress = new Uri(gatewayUrl) };
        Tenant tenant = await Tenant.CreateAsync(client, credits: credits);
        var all = new List<string> { tenant.ApiKey };
        for (int i = 1; i < keys; i++)
        {
            using HttpResponseMessage created = await client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/keys", new { name = $"load-{i}" }));
            string body = await created.Content.ReadAsStringAsync();
            Assert.True(created.IsSuccessStatusCode, body);
            using JsonDocument json = JsonDocument.Parse(body);
            all.Add(json.RootElement.GetProperty("key").GetString()!);
        }
        return (tenant, all);
    }
}
