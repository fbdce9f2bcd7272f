using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Nemo.Tests.Infrastructure;

/// <summary>An organization created through the operator API, with its owner's key.</summary>
public sealed record Tenant(Guid OrganizationId, Guid OwnerUserId, Guid TeamId, string ApiKey)
{
    public static async Task<Tenant> CreateAsync(HttpClient client, string plan = "enterprise", decimal credits = 0m)
    {
        string email = $"owner-{Guid.NewGuid():N}@example.com";
        using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/organizations")
        {
            Content = JsonContent.Create(new { name = "Test org", owner_email = email, plan }),
        };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", NemoTestHost.MasterKey);
        using HttpResponseMessage response = await client.SendAsync(create);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using JsonDocument json = JsonDocument.Parse(body);
        var tenant = new Tenant(
            json.RootElement.GetProperty("organization_id").GetGuid(),
            json.RootElement.GetProperty("owner_user_id").GetGuid(),
            json.RootElement.GetProperty("team_id").GetGuid(),
            json.RootElement.GetProperty("api_key").GetString()!);
        if (credits > 0)
            await tenant.GrantAsync(client, credits);
        return tenant;
    }

    public async Task GrantAsync(HttpClient client, decimal amount)
    {
        using var grant = new HttpRequestMessage(HttpMethod.Post, $"/v1/admin/organizations/{OrganizationId}/credits")
        {
            Content = new StringContent($"{{\"amount\":{amount.ToString(System.Globalization.CultureInfo.InvariantCulture)},\"reason\":\"test\"}}", System.Text.Encoding.UTF8, "application/json"),
        };
        grant.Headers.Authorization = new AuthenticationHeaderValue("Bearer", NemoTestHost.MasterKey);
        using HttpResponseMessage response = await client.SendAsync(grant);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The id of the owner's first key (the admin API returns only its secret).</summary>
    public Task<Guid> KeyIdAsync(TestDatabase database) => database.ScalarAsync<Guid>(
        "SELECT id FROM nemo.api_keys WHERE organization_id = @org ORDER BY created_at LIMIT 1", ("org", OrganizationId));

    public HttpRequestMessage Request(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        if (body is not null)
            request.Content = body is string text ? new StringContent(text, System.Text.Encoding.UTF8, "application/json") : JsonContent.Create(body);
        return request;
    }
}
