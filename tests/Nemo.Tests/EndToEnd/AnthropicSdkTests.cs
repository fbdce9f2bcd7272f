using System.Net;
using System.Text;
using System.Text.Json;
using Anthropic;
using Anthropic.Models.Messages;
using Nemo.Tests.Admin;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.EndToEnd;

/// <summary>
/// The unmodified official Anthropic .NET SDK against <c>POST /v1/messages</c>: plain and streamed
/// messages, billed exactly like the chat completions they are translated to; errors in Anthropic's
/// shape; a request the translation refuses costs nothing and reaches no provider.
/// </summary>
public sealed class AnthropicSdkTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private Nemo.FakeUpstream.FakeUpstreamStats Upstream =>
        (Nemo.FakeUpstream.FakeUpstreamStats)fixture.Host.Upstream.Services.GetService(typeof(Nemo.FakeUpstream.FakeUpstreamStats))!;

    private AnthropicClient Client(string key) => new() { ApiKey = key, BaseUrl = fixture.Host.GatewayUrl, MaxRetries = 0 };

    private Task<long> SpentNanosAsync(Tenant tenant) => fixture.Database.ScalarAsync<long>(
        "SELECT coalesce(sum(cost), 0)::bigint FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId));

    private Task<long> EventsAsync(Tenant tenant) => fixture.Database.ScalarAsync<long>(
        "SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId));

    [Fact]
    public async Task Message_Completes_AndIsBilledOnce()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);

        Message message = await Client(tenant.ApiKey).Messages.Create(new MessageCreateParams
        {
            Model = "gpt-4o-mini",
            MaxTokens = 64,
            System = "You are terse.",
            Messages = [new UserMessageParam("Say hello")],
        });

        Assert.StartsWith("msg_", message.ID);
        Assert.True(message.Content[0].TryPickText(out TextBlock? text));
        Assert.False(string.IsNullOrWhiteSpace(text!.Text));
        Assert.Equal("end_turn", message.StopReason?.Raw());
        Assert.True(message.Usage.InputTokens > 0);
        Assert.True(message.Usage.OutputTokens > 0);
        Assert.Equal(1, await EventsAsync(tenant));
        long tokens = await fixture.Database.ScalarAsync<long>(
            "SELECT prompt_tokens + completion_tokens FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId));
        Assert.Equal(message.Usage.InputTokens + message.Usage.OutputTokens, tokens);
        Assert.True(await SpentNanosAsync(tenant) > 0);
    }

    [Fact]
    public async Task Message_Streams_EventsInAnthropicsOrder_WithUsage()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        var text = new StringBuilder();
        var kinds = new List<string>();
        long? outputTokens = null;

        await foreach (RawMessageStreamEvent streamed in Client(tenant.ApiKey).Messages.CreateStreaming(new MessageCreateParams
        {
            Model = "gpt-4o-mini",
            MaxTokens = 5,
            Messages = [new UserMessageParam("Count")],
        }))
        {
            if (streamed.TryPickStart(out _)) kinds.Add("message_start");
            if (streamed.TryPickContentBlockStart(out _)) kinds.Add("content_block_start");
            if (streamed.TryPickContentBlockDelta(out RawContentBlockDeltaEvent? delta))
            {
                kinds.Add("content_block_delta");
                if (delta!.Delta.TryPickText(out TextDelta? part))
                    text.Append(part!.Text);
            }
            if (streamed.TryPickContentBlockStop(out _)) kinds.Add("content_block_stop");
            if (streamed.TryPickDelta(out RawMessageDeltaEvent? end))
            {
                kinds.Add("message_delta");
                outputTokens = end!.Usage.OutputTokens;
            }
            if (streamed.TryPickStop(out _)) kinds.Add("message_stop");
        }

        Assert.Equal("message_start", kinds[0]);
        Assert.Equal("content_block_start", kinds[1]);
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], kinds[^3..]);
        Assert.Equal(5, text.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(5, outputTokens);
        Assert.Equal(5L, await fixture.Database.ScalarAsync<long>(
            "SELECT completion_tokens FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId)));
    }

    [Fact]
    public async Task WrongKey_IsAnAuthenticationError_InAnthropicsShape()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", "sk-nemo-" + new string('Z', 48));
        using HttpResponseMessage response = await fixture.Host.Client.SendAsync(request);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("error", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("authentication_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task NoCredits_IsABillingError_ThroughTheSdk()
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 0m);

        await Assert.ThrowsAsync<Anthropic.Exceptions.AnthropicPaymentRequiredException>(() => Client(tenant.ApiKey).Messages.Create(new MessageCreateParams
        {
            Model = "gpt-4o-mini",
            MaxTokens = 5,
            Messages = [new UserMessageParam("hi")],
        }));

        Assert.Equal(0, await EventsAsync(tenant));
    }

    public static TheoryData<string, string> Refused => new()
    {
        { """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""", "max_tokens" },
        { """{"model":"gpt-4o-mini","max_tokens":5,"messages":[]}""", "messages" },
        { """{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"system","content":"hi"}]}""", "messages.0.role" },
        { """{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{}}]}]}""", "messages.0.content.0.type" },
        { """{"model":"gpt-4o-mini","max_tokens":5,"colour":"red","messages":[{"role":"user","content":"hi"}]}""", "colour" },
        { """{"model":"gpt-4o-mini","max_tokens":5,"tools":[{"type":"web_search_20250305","name":"web"}],"messages":[{"role":"user","content":"hi"}]}""", "tools.0.type" },
        { """{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/tiff","data":"AA=="}}]}]}""", "media_type" },
        { "{not json", "JSON" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task BadRequest_IsRefusedBeforeAnyProvider_AndCostsNothing(string body, string names)
    {
        Tenant tenant = await Tenant.CreateAsync(fixture.Host.Client, credits: 1m);
        long upstreamBefore = Upstream.TotalRequests;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", tenant.ApiKey);
        using HttpResponseMessage response = await fixture.Host.Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        using JsonDocument json = JsonDocument.Parse(text);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Equal("invalid_request_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains(names, json.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(upstreamBefore, Upstream.TotalRequests);
        Assert.Equal(0, await EventsAsync(tenant));
    }
}
