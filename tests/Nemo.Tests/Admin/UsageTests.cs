using System.Text.Json;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>Usage grouped six ways over a time range, the CSV export, and the activity feed (metadata only, by key, paginated).</summary>
public sealed class UsageTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    private static readonly DateTimeOffset Day1 = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

    private async Task<AdminWorld> SeededAsync()
    {
        AdminWorld w = await AdminWorld.CreateAsync(Client, fixture.Database);
        await UsageSeed.InsertAsync(fixture.Database, w.OrganizationId,
            new(w.Owner.KeyId, w.Owner.UserId, w.DefaultTeamId, "acme", "gpt-4o-mini", 10, 20, 1_000, Day1),
            new(w.Owner.KeyId, w.Owner.UserId, w.DefaultTeamId, "acme", "gpt-4o", 5, 5, 2_000, Day1.AddHours(1)),
            new(w.Member.KeyId, w.Member.UserId, w.TeamId, null, "gpt-4o-mini", 1, 2, 300, Day1.AddDays(1)),
            new(w.Member.KeyId, w.Member.UserId, w.TeamId, "globex", "gpt-4o-mini", 1, 1, 7, Day1.AddDays(1).AddHours(13.75)), // 23:45 UTC
            new(w.Member.KeyId, w.Member.UserId, w.TeamId, "globex", "gpt-4o-mini", 100, 100, 99_999, Day1.AddDays(40))); // outside the range
        return w;
    }

    private async Task<Dictionary<string, (long Requests, long Prompt, long Completion, decimal Cost)>> UsageAsync(string bearer, string query)
    {
        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Get, "/v1/usage?" + query, bearer);
        Assert.True(status == 200, text);
        return body.GetProperty("data").EnumerateArray().ToDictionary(
            r => r.GetProperty("key").GetString() ?? "(none)",
            r => (r.GetProperty("requests").GetInt64(), r.GetProperty("prompt_tokens").GetInt64(), r.GetProperty("completion_tokens").GetInt64(), r.GetProperty("cost").GetDecimal()));
    }

    [Fact]
    public async Task Usage_GroupsByKeyMemberTeamCustomerModelAndDay_OverTheRange()
    {
        AdminWorld w = await SeededAsync();
        const string range = "from=2026-03-01&to=2026-03-02";

        var byKey = await UsageAsync(w.Viewer.Key, "group_by=key&" + range);
        Assert.Equal((2L, 15L, 25L, 0.000003m), byKey[w.Owner.KeyId.ToString()]);
        Assert.Equal((2L, 2L, 3L, 0.000000307m), byKey[w.Member.KeyId.ToString()]);
        Assert.Equal(2, byKey.Count);
        Assert.Equal(2L, (await UsageAsync(w.Viewer.Key, "group_by=member&" + range))[w.Member.UserId.ToString()].Requests);
        Assert.Equal(0.000000307m, (await UsageAsync(w.Viewer.Key, "group_by=team&" + range))[w.TeamId.ToString()].Cost);
        var byCustomer = await UsageAsync(w.Viewer.Key, "group_by=customer&" + range);
        Assert.Equal([("(none)", 1L), ("acme", 2L), ("globex", 1L)], byCustomer.Select(p => (p.Key, p.Value.Requests)).Order());
        var byModel = await UsageAsync(w.Viewer.Key, "group_by=model&" + range);
        Assert.Equal(3L, byModel["gpt-4o-mini"].Requests);
        var byDay = await UsageAsync(w.Viewer.Key, "group_by=day&" + range);
        Assert.Equal(["2026-03-01", "2026-03-02"], byDay.Keys);
        Assert.Equal(2L, byDay["2026-03-02"].Requests);
        var keyFiltered = await UsageAsync(w.Viewer.Key, $"group_by=model&key_id={w.Owner.KeyId}&" + range);
        Assert.Equal(2, keyFiltered.Count);
    }

    [Fact]
    public async Task Usage_DaysAreTheOrganizationsTimeZone()
    {
        AdminWorld w = await SeededAsync();
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Patch, "/v1/organization", w.Owner.Key, new { timezone = "Asia/Tokyo" })).Status);
        var byDay = await UsageAsync(w.Owner.Key, "group_by=day&from=2026-03-01T00:00:00Z&to=2026-03-03T00:00:00Z");
        // 23:45 UTC on the 2nd is the 3rd in Tokyo.
        Assert.Equal(["2026-03-01", "2026-03-02", "2026-03-03"], byDay.Keys);
    }

    [Fact]
    public async Task Export_IsCsvOfEveryRequest_OrGrouped_ForOwnersAndAdmins()
    {
        AdminWorld w = await SeededAsync();
        using HttpRequestMessage request = AdminHttp.Request(HttpMethod.Get, "/v1/usage/export?from=2026-03-01&to=2026-03-02", w.Admin.Key);
        using HttpResponseMessage response = await Client.SendAsync(request);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        string[] lines = (await response.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');
        Assert.StartsWith("request_id,occurred_at,key_id,user_id,team_id,customer_id,model,endpoint,prompt_tokens,completion_tokens,cost_usd", lines[0]);
        Assert.Equal(5, lines.Length);
        Assert.Contains(",gpt-4o,chat.completions,5,5,0.000002,42,200", lines[2]);

        (int status, _, string grouped) = await Client.SendAsync(HttpMethod.Get, "/v1/usage/export?group_by=model&from=2026-03-01&to=2026-03-02", w.Owner.Key);
        Assert.Equal(200, status);
        Assert.Equal("model,requests,prompt_tokens,completion_tokens,cost_usd\ngpt-4o,1,5,5,0.000002\ngpt-4o-mini,3,12,23,0.000001307\n", grouped);
    }

    [Fact]
    public async Task Export_DefusesCellsASpreadsheetWouldReadAsFormulas()
    {
        AdminWorld w = await AdminWorld.CreateAsync(Client, fixture.Database);
        string[] hostile = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "plain"];
        await UsageSeed.InsertAsync(fixture.Database, w.OrganizationId,
            [.. hostile.Select((c, i) => new UsageSeed.Event(w.Owner.KeyId, w.Owner.UserId, w.DefaultTeamId, c, "gpt-4o-mini", 1, 1, 1, Day1.AddMinutes(i)))]);

        (int status, _, string csv) = await Client.SendAsync(HttpMethod.Get, "/v1/usage/export?group_by=customer&from=2026-03-01&to=2026-03-02", w.Owner.Key);

        Assert.Equal(200, status);
        string[] cells = [.. csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => line[..line.LastIndexOf(",1,1,1,", StringComparison.Ordinal)])];
        string[] expected = ["\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tcmd", "\"'\rcmd\"", "plain"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), cells.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Activity_IsMetadataOnly_NewestFirst_ByKey_InPages()
    {
        AdminWorld w = await SeededAsync();
        (int status, JsonElement page1, string text) = await Client.SendAsync(HttpMethod.Get, $"/v1/activity?key_id={w.Member.KeyId}&limit=2", w.Viewer.Key);
        Assert.True(status == 200, text);
        JsonElement[] rows = [.. page1.GetProperty("data").EnumerateArray()];
        Assert.Equal(2, rows.Length);
        Assert.True(page1.GetProperty("has_more").GetBoolean());
        Assert.Equal(99_999m / 1_000_000_000m, rows[0].GetProperty("cost").GetDecimal()); // newest first
        Assert.All(rows, r => Assert.Equal(w.Member.KeyId, r.GetProperty("key_id").GetGuid()));
        string[] fields = [.. rows[0].EnumerateObject().Select(p => p.Name)];
        Assert.Equal(["request_id", "occurred_at", "model", "endpoint", "prompt_tokens", "completion_tokens", "cost", "latency_ms", "status_code",
            "key_id", "key_name", "user_id", "team_id", "customer_id", "flags"], fields);

        (status, JsonElement page2, text) = await Client.SendAsync(HttpMethod.Get,
            $"/v1/activity?key_id={w.Member.KeyId}&limit=2&after={page1.GetProperty("next_cursor").GetString()}", w.Viewer.Key);
        Assert.True(status == 200, text);
        JsonElement last = Assert.Single(page2.GetProperty("data").EnumerateArray());
        Assert.Equal(300m / 1_000_000_000m, last.GetProperty("cost").GetDecimal());
        Assert.False(page2.GetProperty("has_more").GetBoolean());
        Assert.Equal(JsonValueKind.Null, page2.GetProperty("next_cursor").ValueKind);
    }

    [Theory]
    [InlineData("/v1/usage?group_by=planet", "group_by")]
    [InlineData("/v1/usage?from=yesterday", "from")]
    [InlineData("/v1/usage?from=2026-03-05&to=2026-03-01", "from")]
    [InlineData("/v1/usage?key_id=abc", "key_id")]
    [InlineData("/v1/activity?limit=0", "limit")]
    [InlineData("/v1/activity?limit=100000", "limit")]
    [InlineData("/v1/activity?after=%21%21", "after")]
    [InlineData("/v1/usage/export?group_by=planet", "group_by")]
    public async Task BadQueries_Get400NamingTheParameter(string path, string param)
    {
        AdminWorld w = await AdminWorld.CreateAsync(Client, fixture.Database);
        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Get, path, w.Owner.Key);
        Assert.True(status == 400, text);
        Assert.Equal(param, body.Error().GetProperty("param").GetString());
    }
}
