using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Nemo.FakeUpstream;
using Nemo.Grains.Contracts;
using Nemo.Cluster.Calls;
using Nemo.Tests.Infrastructure;
using Npgsql;

namespace Nemo.Tests.Gateway;

/// <summary>What a test sees of one proxied request: the client's answer, the ledger row, the organization's credits.</summary>
internal static class ProxyProbe
{
    public sealed record Outcome(HttpStatusCode Status, string Body, Guid RequestId, TimeSpan Elapsed)
    {
        public string? ErrorCode
        {
            get
            {
                using JsonDocument json = JsonDocument.Parse(Body);
                JsonElement error = json.RootElement.GetProperty("error");
                foreach (string name in new[] { "message", "type", "code", "param" })
                    Assert.True(error.TryGetProperty(name, out _), $"error.{name} missing in {Body}");
                return error.GetProperty("code").GetString();
            }
        }

        /// <summary>The o200k tokens of the content the client received in its stream events.</summary>
        public long DeliveredTokens
        {
            get
            {
                var text = new System.Text.StringBuilder();
                foreach (string data in Events)
                {
                    if (!data.StartsWith('{'))
                        continue;
                    using JsonDocument chunk = JsonDocument.Parse(data);
                    if (chunk.RootElement.TryGetProperty("choices", out JsonElement choices))
                    {
                        foreach (JsonElement choice in choices.EnumerateArray())
                        {
                            if (choice.TryGetProperty("delta", out JsonElement delta) && delta.TryGetProperty("content", out JsonElement content)
                                && content.ValueKind == JsonValueKind.String)
                                text.Append(content.GetString());
                        }
                    }
                }
                return Nemo.Gateway.Proxy.TokenCounter.CountText(text.ToString());
            }
        }

        /// <summary>The data of every SSE event the client received, in order.</summary>
        public List<string> Events => [.. Body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.StartsWith("data: ", StringComparison.Ordinal) ? e[6..] : e)];
    }

    public sealed record UsageRow(long PromptTokens, long CompletionTokens, long Cost, int Flags, string? Customer);

    public static object Chat(FakeMode mode, bool stream = false, int? cutAfter = null, string? usage = null, int? chunkDelayMs = null,
        int? completionTokens = null, string content = "hello") => new
    {
        model = "gpt-4o-mini",
        stream,
        user = FakeOverrides.User(mode: mode, cutAfter: cutAfter, usage: usage, chunkDelayMs: chunkDelayMs, completionTokens: completionTokens),
        messages = new[] { new { role = "user", content } },
    };

    public static async Task<Outcome> SendAsync(NemoHostFixture fixture, Tenant tenant, object body, Action<HttpRequestMessage>? tweak = null,
        string path = "/v1/chat/completions")
    {
        var clock = Stopwatch.StartNew();
        using HttpRequestMessage request = tenant.Request(HttpMethod.Post, path, body);
        tweak?.Invoke(request);
        using HttpResponseMessage response = await fixture.Host.Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return new Outcome(response.StatusCode, text, Guid.Parse(response.Headers.GetValues("x-nemo-request-id").Single()), clock.Elapsed);
    }

    public static async Task<UsageRow?> RowAsync(TestDatabase database, Guid requestId)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT prompt_tokens, completion_tokens, cost, flags, customer_id FROM nemo.usage_events WHERE request_id = @id", connection);
        command.Parameters.AddWithValue("id", requestId);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
            return null;
        return new UsageRow(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4));
    }

    public static async Task<CreditsView> CreditsAsync(NemoHostFixture fixture, Tenant tenant) =>
        await fixture.Host.Get<OrganizationCalls>().GetCreditsAsync(tenant.OrganizationId, CancellationToken.None);

    /// <summary>Nothing charged, nothing recorded, nothing left reserved.</summary>
    public static async Task AssertNothingChargedAsync(NemoHostFixture fixture, Tenant tenant, Outcome outcome, long purchased = 1_000_000_000)
    {
        Assert.Null(await RowAsync(fixture.Database, outcome.RequestId));
        Assert.Equal(new CreditsView(purchased, 0, 0), await CreditsAsync(fixture, tenant));
    }

    /// <summary>Charged exactly the ledger row's cost, nothing left reserved; returns the row.</summary>
    public static async Task<UsageRow> AssertChargedAsync(NemoHostFixture fixture, Tenant tenant, Outcome outcome)
    {
        UsageRow? row = await RowAsync(fixture.Database, outcome.RequestId);
        Assert.NotNull(row);
        CreditsView credits = await CreditsAsync(fixture, tenant);
        Assert.Equal(0, credits.Reserved);
        Assert.Equal(row.Cost, credits.Spent);
        Assert.True(row.Cost > 0);
        return row;
    }
}
