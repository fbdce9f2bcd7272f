using System.Net;
using System.Text.Json;
using Nemo.Tests.Admin;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Telemetry;

/// <summary>
/// <c>GET /v1/logs</c>: one entry per request sent through the gateway — billed ones from the usage
/// events, refused and failed ones from the request log's own table — with filters, cursor paging,
/// row-level security, and no prompt or completion text anywhere.
/// </summary>
public sealed class RequestLogTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private const string Secret = "SECRET-PROMPT-7f3a";

    private HttpClient Client => fixture.Host.Client;

    private sealed record Sent(AdminWorld World, List<string> OwnerIds, string StreamId, List<string> MemberIds, string UnknownModelId, string ViewerId);

    private static object Chat(bool stream = false, string model = "gpt-4o-mini") =>
        new { model, max_tokens = 5, stream, messages = new[] { new { role = "user", content = Secret + " say hello" } } };

    private async Task<string> SendAsync(string key, object body, HttpStatusCode expected, string? customer = null)
    {
        using HttpRequestMessage request = AdminHttp.Request(HttpMethod.Post, "/v1/chat/completions", key, body);
        if (customer is not null)
            request.Headers.Add("x-nemo-customer-id", customer);
        using HttpResponseMessage response = await Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {expected}, got {response.StatusCode}: {text}");
        return response.Headers.GetValues("x-nemo-request-id").Single();
    }

    /// <summary>8 requests: the owner's 3 plain (customer acme) and 1 streamed, the member's 2 plain, one for an unknown model (404), the viewer's (403).</summary>
    private async Task<Sent> SendAsync()
    {
        AdminWorld w = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 10m);
        var owner = new List<string>();
        for (int i = 0; i < 3; i++)
            owner.Add(await SendAsync(w.Owner.Key, Chat(), HttpStatusCode.OK, customer: "acme"));
        string stream = await SendAsync(w.Owner.Key, Chat(stream: true), HttpStatusCode.OK);
        var member = new List<string> { await SendAsync(w.Member.Key, Chat(), HttpStatusCode.OK), await SendAsync(w.Member.Key, Chat(), HttpStatusCode.OK) };
        string unknown = await SendAsync(w.Member.Key, Chat(model: "no-such-model"), HttpStatusCode.NotFound);
        string viewer = await SendAsync(w.Viewer.Key, Chat(), HttpStatusCode.Forbidden);
        // Failures are written after their response, in batches: wait until the log has all 8.
        await Eventually.TrueAsync(async () => (await LogsAsync(w.Viewer.Key, "limit=100")).Count == 8, "all 8 requests are in the log");
        return new Sent(w, owner, stream, member, unknown, viewer);
    }

    private async Task<List<JsonElement>> LogsAsync(string key, string query)
    {
        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Get, "/v1/logs?" + query, key);
        Assert.True(status == 200, text);
        Assert.DoesNotContain(Secret, text);
        return [.. body.GetProperty("data").EnumerateArray().Select(e => e.Clone())];
    }

    private static string[] Ids(List<JsonElement> entries) => [.. entries.Select(e => e.GetProperty("id").GetString()!)];

    [Fact]
    public async Task EveryRequest_HasOneEntry_WithItsFigures()
    {
        Sent sent = await SendAsync();
        List<JsonElement> all = await LogsAsync(sent.World.Viewer.Key, "limit=100");

        Assert.Equal([.. sent.OwnerIds, sent.StreamId, .. sent.MemberIds, sent.UnknownModelId, sent.ViewerId], Ids(all).Reverse());
        JsonElement plain = all.Single(e => e.GetProperty("id").GetString() == sent.OwnerIds[0]);
        Assert.Equal("request_log", plain.GetProperty("object").GetString());
        Assert.Equal(200, plain.GetProperty("status").GetInt32());
        Assert.Equal("gpt-4o-mini", plain.GetProperty("model").GetString());
        Assert.Equal("fake", plain.GetProperty("deployment").GetString());
        Assert.Equal("acme", plain.GetProperty("customer_id").GetString());
        Assert.Equal(sent.World.Owner.KeyId, plain.GetProperty("key_id").GetGuid());
        Assert.Equal(sent.World.DefaultTeamId, plain.GetProperty("team_id").GetGuid());
        Assert.True(plain.GetProperty("prompt_tokens").GetInt64() > 0);
        Assert.True(plain.GetProperty("cost").GetDecimal() > 0);
        Assert.Equal(JsonValueKind.Null, plain.GetProperty("time_to_first_token_ms").ValueKind);
        JsonElement streamed = all.Single(e => e.GetProperty("id").GetString() == sent.StreamId);
        Assert.True(streamed.GetProperty("time_to_first_token_ms").GetInt64() >= 0);
        Assert.True(streamed.GetProperty("time_to_first_token_ms").GetInt64() <= streamed.GetProperty("latency_ms").GetInt64());
        JsonElement refused = all.Single(e => e.GetProperty("id").GetString() == sent.ViewerId);
        Assert.Equal(403, refused.GetProperty("status").GetInt32());
        Assert.Equal(0m, refused.GetProperty("cost").GetDecimal());
        Assert.Equal(sent.World.Viewer.KeyId, refused.GetProperty("key_id").GetGuid());
        JsonElement unknown = all.Single(e => e.GetProperty("id").GetString() == sent.UnknownModelId);
        Assert.Equal(404, unknown.GetProperty("status").GetInt32());
        Assert.Equal(JsonValueKind.Null, unknown.GetProperty("model").ValueKind);
    }

    [Fact]
    public async Task Filters_ByKeyTeamCustomerModelAndStatus()
    {
        Sent sent = await SendAsync();
        string viewer = sent.World.Viewer.Key;

        Assert.Equal([.. sent.MemberIds, sent.UnknownModelId], Ids(await LogsAsync(viewer, $"key_id={sent.World.Member.KeyId}")).Reverse());
        List<JsonElement> all = await LogsAsync(viewer, "limit=100");
        string[] team = Ids(await LogsAsync(viewer, $"team_id={sent.World.TeamId}"));
        Assert.Equal(Ids([.. all.Where(e => e.GetProperty("team_id").GetGuid() == sent.World.TeamId)]), team);
        Assert.Superset(new HashSet<string>([.. sent.MemberIds, sent.UnknownModelId]), new HashSet<string>(team));
        Assert.DoesNotContain(sent.OwnerIds[0], team);
        Assert.Equal(sent.OwnerIds, Ids(await LogsAsync(viewer, "customer_id=acme")).Reverse());
        Assert.Equal(7, (await LogsAsync(viewer, "model=gpt-4o-mini")).Count);
        Assert.Equal([sent.UnknownModelId, sent.ViewerId], Ids(await LogsAsync(viewer, "status=4xx")).Reverse());
        Assert.Equal([sent.UnknownModelId, sent.ViewerId], Ids(await LogsAsync(viewer, "status=error")).Reverse());
        Assert.Equal([sent.ViewerId], Ids(await LogsAsync(viewer, "status=403")));
        Assert.Equal(6, (await LogsAsync(viewer, "status=200")).Count);
        Assert.Empty(await LogsAsync(viewer, "from=2020-01-01&to=2020-01-31"));
        (int status, JsonElement body, _) = await Client.SendAsync(HttpMethod.Get, "/v1/logs?status=teapot", viewer);
        Assert.Equal(400, status);
        Assert.Equal("status", body.Error().GetProperty("param").GetString());
    }

    [Fact]
    public async Task CursorPaging_WalksEveryEntryOnce_NewestFirst()
    {
        Sent sent = await SendAsync();
        var seen = new List<string>();
        string query = "limit=3";
        int pages = 0;
        while (true)
        {
            (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Get, "/v1/logs?" + query, sent.World.Member.Key);
            Assert.True(status == 200, text);
            pages++;
            seen.AddRange(body.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("id").GetString()!));
            if (!body.GetProperty("has_more").GetBoolean())
                break;
            query = "limit=3&after=" + body.GetProperty("next_cursor").GetString();
        }
        Assert.Equal(3, pages);
        Assert.Equal([.. sent.OwnerIds, sent.StreamId, .. sent.MemberIds, sent.UnknownModelId, sent.ViewerId], Enumerable.Reverse(seen));
    }

    [Fact]
    public async Task AnotherOrganization_SeesNothing_EvenWithTheFirstOnesIds()
    {
        Sent sent = await SendAsync();
        Tenant other = await Tenant.CreateAsync(Client, credits: 1m);

        Assert.Empty(await LogsAsync(other.ApiKey, "limit=100"));
        Assert.Empty(await LogsAsync(other.ApiKey, $"key_id={sent.World.Owner.KeyId}"));
        Assert.Empty(await LogsAsync(other.ApiKey, $"team_id={sent.World.DefaultTeamId}"));
        Assert.Empty(await LogsAsync(other.ApiKey, "customer_id=acme"));
    }

    [Fact]
    public async Task UsageGroups_ByTeamAndModel_HaveLatencyPercentilesAndErrorRates()
    {
        Sent sent = await SendAsync();
        List<JsonElement> log = await LogsAsync(sent.World.Viewer.Key, "limit=100");
        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Get, "/v1/usage?group_by=team", sent.World.Viewer.Key);
        Assert.True(status == 200, text);
        Dictionary<string, JsonElement> teams = body.GetProperty("data").EnumerateArray().ToDictionary(r => r.GetProperty("key").GetString()!, r => r.Clone());

        foreach (Guid team in new[] { sent.World.DefaultTeamId, sent.World.TeamId })
        {
            JsonElement[] entries = [.. log.Where(e => e.GetProperty("team_id").GetGuid() == team)];
            long errors = entries.Count(e => e.GetProperty("status").GetInt32() != 200);
            long billed = entries.Length - errors;
            JsonElement row = teams[team.ToString()];
            Assert.Equal(billed, row.GetProperty("requests").GetInt64());
            Assert.Equal(errors, row.GetProperty("errors").GetInt64());
            Assert.Equal(Math.Round((decimal)errors / entries.Length, 4), row.GetProperty("error_rate").GetDecimal());
            // Nearest-rank percentiles of the same requests' latencies, as the request log shows them.
            long[] latencies = [.. entries.Select(e => e.GetProperty("latency_ms").GetInt64()).Order()];
            foreach ((string name, double p) in new[] { ("latency_p50_ms", 0.5), ("latency_p95_ms", 0.95), ("latency_p99_ms", 0.99) })
                Assert.Equal(latencies[(int)Math.Ceiling(p * latencies.Length) - 1], row.GetProperty(name).GetInt64());
        }
        Assert.Equal(0m, teams[sent.World.DefaultTeamId.ToString()].GetProperty("error_rate").GetDecimal());
        Assert.True(teams[sent.World.TeamId.ToString()].GetProperty("errors").GetInt64() >= 1);

        (status, body, text) = await Client.SendAsync(HttpMethod.Get, "/v1/usage?group_by=model", sent.World.Viewer.Key);
        Assert.True(status == 200, text);
        JsonElement mini = body.GetProperty("data").EnumerateArray().Single(r => r.GetProperty("key").GetString() == "gpt-4o-mini");
        Assert.Equal(6, mini.GetProperty("requests").GetInt64());
        Assert.Equal(1, mini.GetProperty("errors").GetInt64()); // the viewer's 403; the unknown model has no model
    }

    [Fact]
    public async Task ContentIsNotKept_NeitherPromptNorCompletion()
    {
        Sent sent = await SendAsync();

        // No column of any request-log row holds the prompt's text (the response bodies were checked by LogsAsync).
        Assert.Equal(0, await fixture.Database.AdminScalarAsync<long>(
            "SELECT count(*) FROM nemo.usage_events e WHERE e.organization_id = @org AND row_to_json(e)::text LIKE '%' || @secret || '%'",
            ("org", sent.World.OrganizationId), ("secret", Secret)));
        Assert.Equal(0, await fixture.Database.AdminScalarAsync<long>(
            "SELECT count(*) FROM nemo.request_failures f WHERE f.organization_id = @org AND row_to_json(f)::text LIKE '%' || @secret || '%'",
            ("org", sent.World.OrganizationId), ("secret", Secret)));
        Assert.Equal(2, await fixture.Database.AdminScalarAsync<long>(
            "SELECT count(*) FROM nemo.request_failures WHERE organization_id = @org", ("org", sent.World.OrganizationId)));
        // Content logging is off by default: the only kept text is the row the test world seeds.
        Assert.Equal(1, await fixture.Database.AdminScalarAsync<long>(
            "SELECT count(*) FROM nemo.request_contents WHERE organization_id = @org", ("org", sent.World.OrganizationId)));
        Assert.Equal(0, await fixture.Database.AdminScalarAsync<long>(
            "SELECT count(*) FROM nemo.request_contents WHERE organization_id = @org AND request LIKE '%' || @secret || '%'",
            ("org", sent.World.OrganizationId), ("secret", Secret)));
    }
}
