using System.Text.Json;
using Nemo.FakeUpstream;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>
/// Bring your own key: an organization's stored credential replaces the operator's for its own requests
/// only, on the gateway and through the cache every gateway keeps; it is encrypted at rest, never returned
/// by any route or written to the audit trail, and removing it restores the operator's.
/// </summary>
public sealed class ProviderKeyTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    private FakeUpstreamStats Upstream => (FakeUpstreamStats)fixture.Host.Upstream.Services.GetService(typeof(FakeUpstreamStats))!;

    private async Task ChatAsync(string key)
    {
        (int status, _, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", key, AdminHttp.Chat());
        Assert.True(status == 200, text);
    }

    [Fact]
    public async Task StoredKey_IsUsedForThatOrganizationOnly_AndNeverReadBack()
    {
        Tenant mine = await Tenant.CreateAsync(Client, credits: 1m);
        Tenant other = await Tenant.CreateAsync(Client, credits: 1m);
        string secret = "sk-tenant-own-" + Guid.NewGuid().ToString("N");

        (int status, JsonElement set, string setText) = await Client.SendAsync(HttpMethod.Put, "/v1/provider-keys/fake", mine.ApiKey, new { api_key = secret });
        Assert.True(status == 200, setText);
        Assert.Equal("fake", set.GetProperty("provider").GetString());
        Assert.DoesNotContain(secret, setText);

        long mineBefore = Upstream.GetRequestsWithAuthorization("Bearer " + secret);
        await ChatAsync(mine.ApiKey);
        await ChatAsync(mine.ApiKey);
        Assert.Equal(mineBefore + 2, Upstream.GetRequestsWithAuthorization("Bearer " + secret));
        long operatorBefore = Upstream.GetRequestsWithAuthorization("Bearer sk-fake-provider-key");
        await ChatAsync(other.ApiKey);
        Assert.Equal(operatorBefore + 1, Upstream.GetRequestsWithAuthorization("Bearer sk-fake-provider-key"));
        Assert.Equal(mineBefore + 2, Upstream.GetRequestsWithAuthorization("Bearer " + secret));

        // Never read back: not by the list, not in the audit trail, not in the database in clear.
        (_, JsonElement list, string listText) = await Client.SendAsync(HttpMethod.Get, "/v1/provider-keys", mine.ApiKey);
        Assert.Equal("fake", list.GetProperty("data")[0].GetProperty("provider").GetString());
        Assert.DoesNotContain(secret, listText);
        (_, _, string audit) = await Client.SendAsync(HttpMethod.Get, "/v1/audit?limit=100", mine.ApiKey);
        Assert.Contains("provider_key.create", audit);
        Assert.DoesNotContain(secret, audit);
        string stored = await fixture.Database.ScalarAsync<string>(
            "SELECT secret_protected FROM nemo.provider_credentials WHERE organization_id = @org", ("org", mine.OrganizationId));
        Assert.DoesNotContain(secret, stored);
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM nemo.data_protection_keys WHERE xml NOT LIKE '%nemoMasterKeyEncrypted%'"));
        // Another organization can't see or remove it.
        (_, JsonElement theirs, _) = await Client.SendAsync(HttpMethod.Get, "/v1/provider-keys", other.ApiKey);
        Assert.Equal(0, theirs.GetProperty("data").GetArrayLength());
        Assert.Equal(404, (await Client.SendAsync(HttpMethod.Delete, "/v1/provider-keys/fake", other.ApiKey)).Status);

        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Delete, "/v1/provider-keys/fake", mine.ApiKey)).Status);
        long operatorAfterDelete = Upstream.GetRequestsWithAuthorization("Bearer sk-fake-provider-key");
        await ChatAsync(mine.ApiKey);
        Assert.Equal(operatorAfterDelete + 1, Upstream.GetRequestsWithAuthorization("Bearer sk-fake-provider-key"));
        Assert.Equal(mineBefore + 2, Upstream.GetRequestsWithAuthorization("Bearer " + secret));
    }

    [Fact]
    public async Task AChangeOnAnotherGateway_ReachesThisOne()
    {
        Tenant w = await Tenant.CreateAsync(Client, credits: 1m);
        string secret = "sk-tenant-elsewhere-" + Guid.NewGuid().ToString("N");
        // What another gateway's PUT leaves behind: the row (protected with the shared key ring) and the notification.
        var cache = fixture.Host.Get<Nemo.Gateway.Credentials.ProviderCredentialCache>();
        await fixture.Database.ExecuteAsync(
            "INSERT INTO nemo.provider_credentials VALUES (@org, 'fake', @secret, now(), now()); SELECT pg_notify('nemo_provider_credentials', @payload)",
            ("org", w.OrganizationId), ("secret", cache.Protect(secret)), ("payload", w.OrganizationId.ToString()));

        await Eventually.TrueAsync(async () =>
        {
            long before = Upstream.GetRequestsWithAuthorization("Bearer " + secret);
            await ChatAsync(w.ApiKey);
            return Upstream.GetRequestsWithAuthorization("Bearer " + secret) == before + 1;
        }, "the notified key is used");
    }

    [Theory]
    [InlineData("/v1/provider-keys/unknown-provider", "{\"api_key\":\"sk-x\"}", 404, "provider_not_found")]
    [InlineData("/v1/provider-keys/fake", "{}", 400, "missing_required_parameter")]
    [InlineData("/v1/provider-keys/fake", "{\"api_key\":\"   \"}", 400, "missing_required_parameter")]
    [InlineData("/v1/provider-keys/fake", "{\"api_key\":\"sk-\\u0001x\"}", 400, "invalid_value")]
    [InlineData("/v1/provider-keys/fake", "{\"api_key\":\"sk-x\",\"base_url\":\"http://evil\"}", 400, "unknown_parameter")]
    public async Task BadInput_IsRefused_AndChangesNothing(string path, string body, int status, string code)
    {
        Tenant w = await Tenant.CreateAsync(Client, credits: 1m);
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", w.ApiKey);
        using HttpResponseMessage response = await Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();

        Assert.True((int)response.StatusCode == status, text);
        Assert.Equal(code, JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM nemo.provider_credentials WHERE organization_id = @org", ("org", w.OrganizationId)));
    }
}
