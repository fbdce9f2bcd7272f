using System.Text.Json;
using Nemo.FakeUpstream;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>
/// Model allow-lists on the organization, a team and a key: the effective list is their intersection;
/// a model outside it is refused with 403 model_not_allowed before any upstream call and with nothing
/// reserved; GET /v1/models lists only what the key may use; changes reach the request path at once;
/// members narrow their own keys within their team's list; every change is audited.
/// </summary>
public sealed class ModelAccessTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    private FakeUpstreamStats Upstream => (FakeUpstreamStats)fixture.Host.Upstream.Services.GetService(typeof(FakeUpstreamStats))!;

    private static object Embedding => new { model = "text-embedding-3-small", input = "hello" };

    private async Task<string[]> ModelsAsync(string key)
    {
        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Get, "/v1/models", key);
        Assert.True(status == 200, text);
        return [.. body.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!)];
    }

    private async Task PatchAsync(string path, string bearer, object body)
    {
        (int status, _, string text) = await Client.SendAsync(HttpMethod.Patch, path, bearer, body);
        Assert.True(status == 200, text);
    }

    [Fact]
    public async Task KeyAllowList_RefusesOtherModelsBeforeTheUpstream_AndListsOnlyItsModels()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        string owner = world.Owner.Key;
        await PatchAsync($"/v1/keys/{world.Owner.KeyId}", owner, new { models = new[] { "gpt-4o-mini" } });
        long embeddingsBefore = Upstream.Embeddings;

        (int refused, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/embeddings", owner, Embedding);

        Assert.True(refused == 403, text);
        Assert.Equal("model_not_allowed", body.Code());
        Assert.Contains("key", body.Error().GetProperty("message").GetString());
        Assert.Equal(embeddingsBefore, Upstream.Embeddings); // no upstream call
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org", ("org", world.OrganizationId)));
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", owner, AdminHttp.Chat())).Status);
        Assert.Equal(["gpt-4o-mini"], await ModelsAsync(owner));
        Assert.Equal(404, (await Client.SendAsync(HttpMethod.Get, "/v1/models/text-embedding-3-small", owner)).Status);
        // Other keys of the organization are not affected.
        Assert.Contains("text-embedding-3-small", await ModelsAsync(world.Admin.Key));

        await PatchAsync($"/v1/keys/{world.Owner.KeyId}", owner, new { models = (string[]?)null }); // null: every model again
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Post, "/v1/embeddings", owner, Embedding)).Status);
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM nemo.audit_log WHERE organization_id = @org AND action = 'key.update' AND after::text LIKE '%gpt-4o-mini%'", ("org", world.OrganizationId)));
    }

    [Fact]
    public async Task OrganizationTeamAndKeyLists_Intersect()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        string owner = world.Owner.Key, admin = world.Admin.Key; // both in the Default team
        await PatchAsync("/v1/organization", owner, new { models = new[] { "gpt-4o-mini", "text-embedding-3-small" } });
        Assert.Equal(["gpt-4o-mini", "text-embedding-3-small"], await ModelsAsync(admin));
        Assert.Equal(403, (await Client.SendAsync(HttpMethod.Post, "/v1/completions", admin,
            new { model = "gpt-3.5-turbo-instruct", prompt = "hi", max_tokens = 5 })).Status);

        await PatchAsync($"/v1/teams/{world.DefaultTeamId}", owner, new { models = new[] { "text-embedding-3-small" } });
        Assert.Equal(["text-embedding-3-small"], await ModelsAsync(admin));
        (int status, JsonElement body, _) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", admin, AdminHttp.Chat());
        Assert.Equal((403, "model_not_allowed"), (status, body.Code()));
        Assert.Contains("team", body.Error().GetProperty("message").GetString());
        // The Research team has no list of its own: the organization's applies.
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, AdminHttp.Chat())).Status);

        await PatchAsync($"/v1/keys/{world.Admin.KeyId}", owner, new { models = new[] { "gpt-4o-mini" } });
        Assert.Empty(await ModelsAsync(admin)); // team ∩ key = ∅
        Assert.Equal(403, (await Client.SendAsync(HttpMethod.Post, "/v1/embeddings", admin, Embedding)).Status);

        await PatchAsync("/v1/organization", owner, new { models = (string[]?)null });
        await PatchAsync($"/v1/teams/{world.DefaultTeamId}", owner, new { models = (string[]?)null });
        Assert.Equal(["gpt-4o-mini"], await ModelsAsync(admin));
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", admin, AdminHttp.Chat())).Status);
        (_, JsonElement organization, _) = await Client.SendAsync(HttpMethod.Get, "/v1/organization", owner);
        Assert.Equal(JsonValueKind.Null, organization.GetProperty("models").ValueKind);
    }

    [Fact]
    public async Task Members_NarrowTheirOwnKeyWithinTheirTeamsList_ViewersChangeNothing()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        await PatchAsync($"/v1/teams/{world.TeamId}", world.Owner.Key, new { models = new[] { "gpt-4o-mini", "text-embedding-3-small" } });
        string before = await world.FingerprintAsync(fixture.Database);

        (int outside, JsonElement body, _) = await Client.SendAsync(HttpMethod.Patch, $"/v1/keys/{world.Member.KeyId}", world.Member.Key,
            new { models = new[] { "gpt-3.5-turbo-instruct" } });
        Assert.Equal((403, "model_not_allowed"), (outside, body.Code()));
        Assert.Equal(403, (await Client.SendAsync(HttpMethod.Patch, $"/v1/keys/{world.Viewer.KeyId}", world.Viewer.Key, new { models = new[] { "gpt-4o-mini" } })).Status);
        Assert.Equal(403, (await Client.SendAsync(HttpMethod.Patch, $"/v1/teams/{world.TeamId}", world.Member.Key, new { models = (string[]?)null })).Status);
        Assert.Equal(403, (await Client.SendAsync(HttpMethod.Patch, "/v1/organization", world.Member.Key, new { models = new[] { "gpt-4o-mini" } })).Status);
        Assert.Equal(before, await world.FingerprintAsync(fixture.Database));

        await PatchAsync($"/v1/keys/{world.Member.KeyId}", world.Member.Key, new { models = new[] { "text-embedding-3-small" } });
        Assert.Equal(["text-embedding-3-small"], await ModelsAsync(world.Member.Key));
    }

    [Theory]
    [InlineData("\"gpt-4o-mini\"", "invalid_value")]
    [InlineData("[1]", "invalid_value")]
    [InlineData("[\"\"]", "invalid_value")]
    [InlineData("[\"no-such-model\"]", "model_not_found")]
    [InlineData("[\"gpt-4o-mini\\u0000\"]", "invalid_text")]
    [InlineData("{}", "invalid_value")]
    public async Task BadModelLists_Answer400_AndChangeNothing(string models, string code)
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        string before = await world.FingerprintAsync(fixture.Database);
        foreach (string path in new[] { $"/v1/keys/{world.Owner.KeyId}", $"/v1/teams/{world.TeamId}", "/v1/organization" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Patch, path)
            {
                Content = new StringContent($"{{\"models\":{models}}}", System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", world.Owner.Key);
            using HttpResponseMessage response = await Client.SendAsync(request);
            string text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == 400, $"{path}: {text}");
            using JsonDocument json = JsonDocument.Parse(text);
            Assert.Equal(code, json.RootElement.Code());
        }
        Assert.Equal(before, await world.FingerprintAsync(fixture.Database));
    }
}
