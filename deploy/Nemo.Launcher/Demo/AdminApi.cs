using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Demo;

/// <summary>The few gateway calls the launcher makes: operator admin endpoints and a key check.</summary>
internal sealed class AdminApi(HttpClient http, string gatewayUrl, string masterKey)
{
    /// <summary>
    /// The demo organization is on the enterprise plan, which has no plan-level RPM/TPM: the demo and
    /// `./nemo bench` (thousands of requests per second) measure the gateway, not payg's default limits.
    /// </summary>
    private const string DemoPlan = "enterprise";

    /// <summary>Creates an organization; null if one with that owner email already exists (409).</summary>
    public async Task<CreatedOrganization?> CreateOrganizationAsync(string name, string ownerEmail, CancellationToken cancellationToken)
    {
        const string path = "/v1/admin/organizations";
        using var response = await SendAsync(HttpMethod.Post, path, masterKey, new { name, owner_email = ownerEmail, plan = DemoPlan }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return null;
        }

        await EnsureSuccessAsync(response, path, cancellationToken);
        var created = await response.Content.ReadFromJsonAsync<CreatedOrganization>(LauncherJson.Options, cancellationToken);
        return created is { OrganizationId.Length: > 0, ApiKey.Length: > 0 }
            ? created
            : throw new LauncherException($"POST {path} answered without organization_id and api_key");
    }

    /// <summary>Grants credits (USD, exact decimal) to an organization.</summary>
    public async Task GrantCreditsAsync(string organizationId, decimal amount, string reason, CancellationToken cancellationToken)
    {
        var path = $"/v1/admin/organizations/{organizationId}/credits";
        using var response = await SendAsync(HttpMethod.Post, path, masterKey, new { amount, reason }, cancellationToken);
        await EnsureSuccessAsync(response, path, cancellationToken);
    }

    /// <summary>Sets a person's web-console password (operator route); false when no user has that email.</summary>
    public async Task<bool> SetAccountPasswordAsync(string email, string password, CancellationToken cancellationToken)
    {
        const string path = "/v1/admin/accounts/password";
        using var response = await SendAsync(HttpMethod.Post, path, masterKey, new { email, password }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, path, cancellationToken);
        return true;
    }

    /// <summary>The model ids an API key may use, or null if the gateway refuses the key.</summary>
    public async Task<IReadOnlyList<string>?> ListModelsAsync(string apiKey, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, "/v1/models", apiKey, body: null, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array
                ? data.EnumerateArray()
                    .Select(model => model.TryGetProperty("id", out var id) ? id.GetString() : null)
                    .OfType<string>()
                    .ToList()
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string bearer, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, gatewayUrl + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: LauncherJson.Wire);
        }

        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new LauncherException($"{method} {gatewayUrl}{path} failed: {e.Message}");
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var hint = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? " (the gateway refused the master key: it reads NEMO_MASTER_KEY, which the launcher sets from .nemo/state/master_key)"
            : "";
        throw new LauncherException($"POST {path} answered {(int)response.StatusCode}{hint}: {body}");
    }
}
