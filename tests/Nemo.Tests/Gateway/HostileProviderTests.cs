using System.Net;
using Nemo.FakeUpstream;
using Nemo.Grains.Contracts;
using Nemo.Grains.Spend;
using Nemo.Tests.Infrastructure;
using static Nemo.Tests.Gateway.ProxyProbe;

namespace Nemo.Tests.Gateway;

/// <summary>
/// The proxy against a misbehaving provider (issue 8), with the default timeouts (60 s idle): each
/// case ends promptly with a specific answer, bills by the rule "at most what the client received",
/// and leaves nothing reserved.
/// </summary>
public sealed class HostileProviderTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);

    private FakeUpstreamStats Stats => (FakeUpstreamStats)fixture.Host.Upstream.Services.GetService(typeof(FakeUpstreamStats))!;

    [Fact]
    public async Task Stream_EndingWithoutDone_AfterItsUsage_IsCompleteAndBilledAsReported()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        Outcome outcome = await SendAsync(fixture, tenant, Chat(FakeMode.NoDone, stream: true));
        Assert.Equal(HttpStatusCode.OK, outcome.Status);
        Assert.EndsWith("data: [DONE]\n\n", outcome.Body);
        Assert.Equal(19, outcome.Events.Count); // role + 16 tokens + finish + [DONE]; the usage chunk is stripped
        Assert.InRange(outcome.Elapsed, TimeSpan.Zero, Prompt);
        UsageRow row = await AssertChargedAsync(fixture, tenant, outcome);
        Assert.Equal(new UsageRow(5, 16, 10_350, 0, row.Customer), row);
    }

    [Fact]
    public async Task Stream_HangingAfterItsUsageChunk_CompletesWithoutWaitingForDone()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        Outcome outcome = await SendAsync(fixture, tenant, Chat(FakeMode.HangAfterUsage, stream: true));
        Assert.Equal(HttpStatusCode.OK, outcome.Status);
        Assert.EndsWith("data: [DONE]\n\n", outcome.Body);
        Assert.InRange(outcome.Elapsed, TimeSpan.Zero, Prompt); // the idle timeout is 60 s: it did not wait for it
        UsageRow row = await AssertChargedAsync(fixture, tenant, outcome);
        Assert.Equal((5L, 16L, 10_350L, 0), (row.PromptTokens, row.CompletionTokens, row.Cost, row.Flags));
    }

    [Theory]
    [InlineData(FakeMode.EndEarly, "upstream_cut")]
    [InlineData(FakeMode.Cut, "upstream_cut")]
    public async Task Stream_EndingEarly_DeliversWhatArrived_AndIsChargedForItCounted(FakeMode mode, string code)
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        Outcome outcome = await SendAsync(fixture, tenant, Chat(mode, stream: true, cutAfter: 3));
        Assert.Equal(HttpStatusCode.OK, outcome.Status);
        Assert.DoesNotContain("[DONE]", outcome.Body);
        List<string> events = outcome.Events;
        Assert.Equal(5, events.Count); // role + 3 content chunks + the error event
        Assert.Contains($"\"code\":\"{code}\"", events[^1]);
        Assert.InRange(outcome.Elapsed, TimeSpan.Zero, Prompt);
        UsageRow row = await AssertChargedAsync(fixture, tenant, outcome);
        Assert.Equal((int)(UsageFlags.Estimated | UsageFlags.StreamCut), row.Flags);
        Assert.Equal(outcome.DeliveredTokens, row.CompletionTokens); // the 3 words delivered, counted
        Assert.InRange(row.CompletionTokens, 3, 12);
        Assert.InRange(row.PromptTokens, 1, 20); // counted, not the body's byte bound (> 150)
    }

    [Fact]
    public async Task Stream_AnsweredWithPlainJson_Returns502_NothingCharged()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        Outcome outcome = await SendAsync(fixture, tenant, Chat(FakeMode.JsonStream, stream: true));
        Assert.Equal(HttpStatusCode.BadGateway, outcome.Status);
        Assert.Equal("upstream_bad_response", outcome.ErrorCode);
        Assert.InRange(outcome.Elapsed, TimeSpan.Zero, Prompt);
        await AssertNothingChargedAsync(fixture, tenant, outcome);
    }

    [Theory]
    [InlineData(FakeMode.Error401, false)]
    [InlineData(FakeMode.Error403, false)]
    [InlineData(FakeMode.Error401, true)]
    public async Task ProviderRefusingNemosKey_Returns502UpstreamAuthFailed_LeakingNothing(FakeMode mode, bool stream)
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        Outcome outcome = await SendAsync(fixture, tenant, Chat(mode, stream));
        Assert.Equal(HttpStatusCode.BadGateway, outcome.Status);
        Assert.Equal("upstream_auth_failed", outcome.ErrorCode);
        foreach (string secret in new[] { "sk-fake", "keys.internal.example", "127.0.0.1", fixture.Host.UpstreamUrl, "http" })
            Assert.DoesNotContain(secret, outcome.Body);
        await AssertNothingChargedAsync(fixture, tenant, outcome);
    }

    [Fact]
    public async Task ProviderRedirect_IsNotFollowed_Returns502()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        long before = Stats.ChatCompletions;
        Outcome outcome = await SendAsync(fixture, tenant, Chat(FakeMode.Redirect));
        Assert.Equal(HttpStatusCode.BadGateway, outcome.Status);
        Assert.Equal("upstream_redirect", outcome.ErrorCode);
        Assert.Equal(before + 1, Stats.ChatCompletions);
        await AssertNothingChargedAsync(fixture, tenant, outcome);
    }

    [Fact]
    public async Task HugeProviderErrorBody_IsNotPassedOn()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        Outcome outcome = await SendAsync(fixture, tenant, Chat(FakeMode.BigError));
        Assert.Equal(HttpStatusCode.BadRequest, outcome.Status);
        Assert.Equal("upstream_error", outcome.ErrorCode);
        Assert.True(outcome.Body.Length < 1000, $"{outcome.Body.Length} bytes passed on");
        await AssertNothingChargedAsync(fixture, tenant, outcome);
    }

    [Theory]
    [InlineData(FakeMode.BadJson, "upstream_bad_response")]
    [InlineData(FakeMode.Cut, "upstream_cut")]
    public async Task PlainResponse_FailingAfterHeaders_IsNotCharged(FakeMode mode, string code)
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        Outcome outcome = await SendAsync(fixture, tenant, Chat(mode));
        Assert.Equal(HttpStatusCode.BadGateway, outcome.Status);
        Assert.Equal(code, outcome.ErrorCode);
        Assert.InRange(outcome.Elapsed, TimeSpan.Zero, Prompt);
        await AssertNothingChargedAsync(fixture, tenant, outcome);
    }

    [Theory]
    [InlineData("3.5", false)]
    [InlineData("-1", false)]
    [InlineData("1e12", false)]
    [InlineData("dup", false)]
    [InlineData("\"5\"", false)]
    [InlineData("3.5", true)]
    [InlineData("-1", true)]
    [InlineData("dup", true)]
    public async Task UnreadableUsage_IsTreatedAsNotReported_AndCounted(string usage, bool stream)
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        Outcome outcome = await SendAsync(fixture, tenant, Chat(FakeMode.BadUsage, stream, usage: usage));
        Assert.Equal(HttpStatusCode.OK, outcome.Status);
        if (stream)
            Assert.EndsWith("data: [DONE]\n\n", outcome.Body);
        UsageRow row = await AssertChargedAsync(fixture, tenant, outcome);
        Assert.Equal((int)(UsageFlags.Estimated | UsageFlags.UsageUnreadable), row.Flags);
        Assert.InRange(row.CompletionTokens, 16, 40); // 16 lorem words, counted with o200k
        Assert.InRange(row.PromptTokens, 1, 20);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AbsurdUsage_IsCappedAtTheReservation_AndDoesNotLockTheKeyOut(bool stream)
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        using HttpResponseMessage created = await fixture.Host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/keys", new { name = "tpm", tpm = 20_000 }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var key = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        Tenant limited = tenant with { ApiKey = key.RootElement.GetProperty("key").GetString()! };

        Outcome outcome = await SendAsync(fixture, limited, Chat(FakeMode.BadUsage, stream, usage: "1000000000000"));
        Assert.Equal(HttpStatusCode.OK, outcome.Status);
        UsageRow row = await AssertChargedAsync(fixture, tenant, outcome);
        Assert.Equal(UsageFlags.TokensCapped, (UsageFlags)row.Flags & UsageFlags.TokensCapped);
        Assert.Equal(1000, row.CompletionTokens); // the model's output cap, what the reservation allowed
        Assert.InRange(row.PromptTokens, 1, 1000);

        Outcome next = await SendAsync(fixture, limited, Chat(FakeMode.Ok, stream));
        Assert.Equal(HttpStatusCode.OK, next.Status);
    }

    [Fact]
    public async Task CustomerIdInHeaderAndBody_MustBeValidText_BeforeAnyUpstreamCall()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        long before = Stats.TotalRequests;
        var cases = new List<(object Body, Action<HttpRequestMessage>? Tweak, string Param)>
        {
            ("{\"model\":\"gpt-4o-mini\",\"user\":\"a\\u0000b\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", null, "user"),
            ("{\"model\":\"gpt-4o-mini\",\"user\":\"\\ud800\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", null, "user"),
            ("{\"model\":\"gpt-4o-mini\",\"metadata\":{\"customer_id\":\"\\udfff\"},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", null, "metadata.customer_id"),
            ("{\"model\":\"gpt-4o-mini\\u0000\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", null, "model"),
            ("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", r => r.Headers.Add("x-nemo-customer-id", new string('h', 257)), "x-nemo-customer-id"),
            ("{\"model\":\"gpt-4o-mini\",\"user\":\"" + new string('u', 257) + "\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", null, "user"),
            ("{\"model\":\"gpt-4o-mini\",\"max_tokens\":1,\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", null, ""),
        };
        foreach ((object body, Action<HttpRequestMessage>? tweak, string param) in cases)
        {
            Outcome outcome = await SendAsync(fixture, tenant, body, tweak);
            Assert.True(outcome.Status == HttpStatusCode.BadRequest, $"{outcome.Status} for {body}: {outcome.Body}");
            using var json = System.Text.Json.JsonDocument.Parse(outcome.Body);
            Assert.Equal(param, json.RootElement.GetProperty("error").GetProperty("param").GetString() ?? "");
            await AssertNothingChargedAsync(fixture, tenant, outcome);
        }
        Assert.Equal(before, Stats.TotalRequests);
    }

    [Fact]
    public async Task ClientDisconnectingMidStream_IsChargedForWhatWasRelayed_FlaggedClientAborted()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        // 40 content events 100 ms apart (4 s); the client reads 3 of them and goes away.
        using HttpRequestMessage request = tenant.Request(HttpMethod.Post, "/v1/chat/completions",
            Chat(FakeMode.Ok, stream: true, chunkDelayMs: 100, completionTokens: 40));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Guid requestId;
        var read = new List<string>();
        using (HttpResponseMessage response = await fixture.Host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            requestId = Guid.Parse(response.Headers.GetValues("x-nemo-request-id").Single());
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            while (read.Count < 4 && await reader.ReadLineAsync() is { } line) // the role event + 3 content events
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                    read.Add(line);
            }
        } // disposing the response aborts the connection

        UsageRow? row = null;
        while (row is null && clock.Elapsed < Prompt)
        {
            await Task.Delay(50);
            row = await RowAsync(fixture.Database, requestId);
        }
        Assert.NotNull(row);
        Assert.Equal((int)(UsageFlags.ClientAborted | UsageFlags.Estimated), row.Flags);
        Assert.Equal(9L, row.PromptTokens); // counted, no usage came: "user" + "hello" + 4 per message + 3
        // Charged for the events relayed to the socket: at least those the client read, far fewer than the
        // 40 the provider would have produced had the relay kept going.
        Assert.InRange(row.CompletionTokens, 3, 30);
        CreditsView credits = await CreditsAsync(fixture, tenant);
        Assert.Equal(0, credits.Reserved);
        Assert.Equal(row.Cost, credits.Spent);
    }
}
