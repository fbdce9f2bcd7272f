using System.Text.Json;
using Nemo.FakeUpstream;
using Nemo.Tests.Admin;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Gateway;

/// <summary>A Nemo with a model priced per token kind in its configuration, and one priced by the shipped catalog.</summary>
public sealed class CostHostFixture : NemoHostFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        // USD per million = nanos per token / 1,000: input 1,000, cache read 250, cache write 1,250, output 4,000, reasoning 8,000 nanos per token.
        ["Nemo:Providers:fake:Models:priced:UpstreamModel"] = "gpt-4o-mini",
        ["Nemo:Providers:fake:Models:priced:InputPerMillion"] = "1.00",
        ["Nemo:Providers:fake:Models:priced:CachedInputPerMillion"] = "0.25",
        ["Nemo:Providers:fake:Models:priced:CacheWritePerMillion"] = "1.25",
        ["Nemo:Providers:fake:Models:priced:OutputPerMillion"] = "4.00",
        ["Nemo:Providers:fake:Models:priced:ReasoningPerMillion"] = "8.00",
        ["Nemo:Providers:fake:Models:priced:OutputCap"] = "100",
        // No price configured: the shipped catalog's openai gpt-4o (2.50 input, 1.25 cached, 10.00 output).
        ["Nemo:Providers:fake:Models:listed:UpstreamModel"] = "gpt-4o",
        ["Nemo:Providers:fake:Models:listed:OutputCap"] = "100",
    };
}

/// <summary>
/// End to end: the fake provider reports cache reads and reasoning tokens in OpenAI's usage details, plain and
/// streamed, and the ledger bills each kind at its own price exactly; details that don't add up are dropped
/// (flagged usage_unreadable) and every token is billed at the plain rates. The request log shows the details
/// and the attempts.
/// </summary>
public sealed class CostTests(CostHostFixture fixture) : IClassFixture<CostHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    private static object Chat(string model, string user, bool stream = false) => new
    {
        model,
        max_tokens = 8,
        stream,
        user,
        messages = new[] { new { role = "user", content = "How much does caching save?" } },
    };

    private sealed record UsageRow(long Prompt, long Completion, long Cached, long CacheWrite, long Reasoning, long Cost, int Flags, int? Attempts);

    private async Task<UsageRow> UsageAsync(Tenant tenant)
    {
        string row = await fixture.Database.ScalarAsync<string>(
            """
            SELECT concat_ws('|', prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, cost, flags, coalesce(attempts, -1))
            FROM nemo.usage_events WHERE organization_id = @org
            """, ("org", tenant.OrganizationId));
        long[] f = [.. row.Split('|').Select(long.Parse)];
        return new UsageRow(f[0], f[1], f[2], f[3], f[4], f[5], (int)f[6], f[7] < 0 ? null : (int)f[7]);
    }

    [Fact]
    public async Task CachedAndReasoningTokens_AreBilledAtTheirPrices_Exactly()
    {
        Tenant tenant = await Tenant.CreateAsync(Client, credits: 1m);

        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", tenant.ApiKey,
            Chat("priced", FakeOverrides.User(cachedTokens: 3, reasoningTokens: 5)));

        Assert.True(status == 200, text);
        JsonElement usage = body.GetProperty("usage");
        Assert.Equal(3, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt64()); // passed through to the client
        UsageRow row = await UsageAsync(tenant);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt64(), row.Prompt);
        Assert.Equal(8, row.Completion);
        Assert.Equal((3L, 0L, 5L, 0, (int?)1), (row.Cached, row.CacheWrite, row.Reasoning, row.Flags, row.Attempts));
        Assert.Equal((row.Prompt - 3) * 1_000 + 3 * 250 + (8 - 5) * 4_000 + 5 * 8_000, row.Cost);
    }

    [Fact]
    public async Task Streamed_UsageChunkDetails_AreBilledAtTheirPrices_Exactly()
    {
        Tenant tenant = await Tenant.CreateAsync(Client, credits: 1m);

        using HttpRequestMessage request = tenant.Request(HttpMethod.Post, "/v1/chat/completions", Chat("priced", FakeOverrides.User(cachedTokens: 4, reasoningTokens: 2), stream: true));
        using HttpResponseMessage response = await Client.SendAsync(request);
        string events = await response.Content.ReadAsStringAsync();

        Assert.True(response.IsSuccessStatusCode, events);
        Assert.Contains("[DONE]", events);
        UsageRow row = await UsageAsync(tenant);
        Assert.Equal((8L, 4L, 0L, 2L, 0), (row.Completion, row.Cached, row.CacheWrite, row.Reasoning, row.Flags));
        Assert.Equal((row.Prompt - 4) * 1_000 + 4 * 250 + (8 - 2) * 4_000 + 2 * 8_000, row.Cost);
    }

    [Fact]
    public async Task CatalogPricedModel_BillsCacheReadsAtTheCatalogsCachedPrice()
    {
        Tenant tenant = await Tenant.CreateAsync(Client, credits: 1m);

        (int status, _, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", tenant.ApiKey,
            Chat("listed", FakeOverrides.User(cachedTokens: 6)));

        Assert.True(status == 200, text);
        UsageRow row = await UsageAsync(tenant);
        Assert.Equal(6, row.Cached);
        // gpt-4o in pricing.json: 2.50 input, 1.25 cached, 10.00 output per million = 2,500 / 1,250 / 10,000 nanos per token.
        Assert.Equal((row.Prompt - 6) * 2_500 + 6 * 1_250 + row.Completion * 10_000, row.Cost);
    }

    [Fact]
    public async Task DetailsLargerThanTheirTotal_AreDropped_AndEveryTokenBilledAtThePlainPrices()
    {
        Tenant tenant = await Tenant.CreateAsync(Client, credits: 1m);

        (int status, _, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", tenant.ApiKey,
            Chat("priced", FakeOverrides.User(cachedTokens: 100_000, reasoningTokens: 5)));

        Assert.True(status == 200, text);
        UsageRow row = await UsageAsync(tenant);
        Assert.True(row.Prompt < 100_000);
        Assert.Equal((0L, 0L, 0L), (row.Cached, row.CacheWrite, row.Reasoning));
        Assert.Equal(32, row.Flags); // usage_unreadable, and not estimated: the totals were the provider's own
        Assert.Equal(row.Prompt * 1_000 + row.Completion * 4_000, row.Cost);
    }

    [Fact]
    public async Task RequestLog_ShowsTheDetailsAndTheAttempts()
    {
        Tenant tenant = await Tenant.CreateAsync(Client, credits: 1m);
        (int status, _, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", tenant.ApiKey,
            Chat("priced", FakeOverrides.User(cachedTokens: 2, reasoningTokens: 1)));
        Assert.True(status == 200, text);

        (int listed, JsonElement logs, string logText) = await Client.SendAsync(HttpMethod.Get, "/v1/logs", tenant.ApiKey);

        Assert.True(listed == 200, logText);
        JsonElement entry = logs.GetProperty("data").EnumerateArray().Single();
        Assert.Equal(2, entry.GetProperty("cached_tokens").GetInt64());
        Assert.Equal(0, entry.GetProperty("cache_write_tokens").GetInt64());
        Assert.Equal(1, entry.GetProperty("reasoning_tokens").GetInt64());
        Assert.Equal(1, entry.GetProperty("attempts").GetInt32());
        UsageRow row = await UsageAsync(tenant);
        Assert.Equal(Nemo.Grains.Money.Usd.FromNanos(row.Cost), entry.GetProperty("cost").GetDecimal());
    }
}
