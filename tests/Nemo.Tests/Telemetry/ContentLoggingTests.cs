using System.Net;
using System.Text.Json;
using Nemo.Tests.Admin;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Telemetry;

/// <summary>
/// Content logging, per organization and off by default: once an owner or admin turns it on, each
/// request's body and the response exactly as the client received it are kept and readable by owners
/// and admins (<c>GET /v1/logs/{id}/content</c>), by no other organization; turning it off stops it, and
/// deleting the organization removes what was kept.
/// </summary>
public sealed class ContentLoggingTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    private static object Chat(string secret, bool stream) =>
        new { model = "gpt-4o-mini", max_tokens = 8, stream, messages = new[] { new { role = "user", content = secret + " tell me" } } };

    private async Task<(string RequestId, string Body)> SendAsync(string key, object body)
    {
        using HttpRequestMessage request = AdminHttp.Request(HttpMethod.Post, "/v1/chat/completions", key, body);
        using HttpResponseMessage response = await Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return (response.Headers.GetValues("x-nemo-request-id").Single(), text);
    }

    private async Task<JsonElement> KeptAsync(string key, string requestId)
    {
        JsonElement kept = default;
        await Eventually.TrueAsync(async () =>
        {
            (int status, JsonElement body, _) = await Client.SendAsync(HttpMethod.Get, $"/v1/logs/{requestId}/content", key);
            kept = body;
            return status == 200;
        }, $"the text of request {requestId} is kept");
        return kept;
    }

    private async Task SetAsync(string key, bool on)
    {
        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Patch, "/v1/organization", key, new { content_logging = on });
        Assert.True(status == 200, text);
        Assert.Equal(on, body.GetProperty("content_logging").GetBoolean());
    }

    [Fact]
    public async Task On_KeepsWhatWasSentAndReceived_ForOwnersAndAdminsOfThatOrganizationOnly()
    {
        AdminWorld w = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 10m);
        AdminWorld other = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 10m);
        (int status, JsonElement organization, _) = await Client.SendAsync(HttpMethod.Get, "/v1/organization", w.Viewer.Key);
        Assert.Equal(200, status);
        Assert.False(organization.GetProperty("content_logging").GetBoolean());

        (string offId, _) = await SendAsync(w.Member.Key, Chat("BEFORE-7c1", stream: false));
        await SetAsync(w.Admin.Key, on: true);
        string secret = "SECRET-" + Guid.NewGuid().ToString("N")[..8];
        (string plainId, string plainBody) = await SendAsync(w.Member.Key, Chat(secret, stream: false));
        (string streamId, string streamBody) = await SendAsync(w.Member.Key, Chat(secret, stream: true));

        JsonElement plain = await KeptAsync(w.Admin.Key, plainId);
        Assert.Equal(plainId, plain.GetProperty("request_id").GetString());
        Assert.Contains(secret, plain.GetProperty("request").GetString());
        Assert.Equal(plainBody, plain.GetProperty("response").GetString());
        Assert.False(plain.GetProperty("request_truncated").GetBoolean());
        Assert.False(plain.GetProperty("response_truncated").GetBoolean());

        JsonElement stream = await KeptAsync(w.Owner.Key, streamId);
        Assert.Contains(secret, stream.GetProperty("request").GetString());
        string[] relayed = [.. streamBody.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal)).Select(l => l["data: ".Length..])];
        Assert.NotEmpty(relayed);
        Assert.Equal(relayed, stream.GetProperty("response").GetString()!.Split('\n'));

        // The request sent before it was turned on was never kept (the writer is first in, first out).
        Assert.Equal(404, (await Client.SendAsync(HttpMethod.Get, $"/v1/logs/{offId}/content", w.Owner.Key)).Status);
        // Members and viewers may not read it; another organization's owner finds nothing.
        Assert.Equal(403, (await Client.SendAsync(HttpMethod.Get, $"/v1/logs/{plainId}/content", w.Member.Key)).Status);
        Assert.Equal(403, (await Client.SendAsync(HttpMethod.Get, $"/v1/logs/{plainId}/content", w.Viewer.Key)).Status);
        Assert.Equal(404, (await Client.SendAsync(HttpMethod.Get, $"/v1/logs/{plainId}/content", other.Owner.Key)).Status);
        // The request log itself still carries no text.
        (_, _, string logs) = await Client.SendAsync(HttpMethod.Get, "/v1/logs?limit=100", w.Owner.Key);
        Assert.DoesNotContain(secret, logs);
        // The change is audited.
        (_, _, string audit) = await Client.SendAsync(HttpMethod.Get, "/v1/audit?limit=100", w.Owner.Key);
        Assert.Contains("content_logging", audit);

        await SetAsync(w.Owner.Key, on: false);
        (string afterId, _) = await SendAsync(w.Member.Key, Chat("AFTER-9d2", stream: false));
        await SetAsync(w.Owner.Key, on: true);
        (string markerId, _) = await SendAsync(w.Member.Key, Chat("MARKER-3e4", stream: false));
        await KeptAsync(w.Owner.Key, markerId);
        Assert.Equal(404, (await Client.SendAsync(HttpMethod.Get, $"/v1/logs/{afterId}/content", w.Owner.Key)).Status);

        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Delete, "/v1/organization", w.Owner.Key, new { confirm = w.Slug })).Status);
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM nemo.request_contents WHERE organization_id = @org", ("org", w.OrganizationId)));
    }
}
