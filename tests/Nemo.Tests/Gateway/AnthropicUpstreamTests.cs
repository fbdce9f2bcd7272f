using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using Anthropic;
using Anthropic.Models.Messages;
using Microsoft.AspNetCore.Builder;
using Nemo.Cluster.Calls;
using Nemo.FakeUpstream;
using Nemo.Grains.Contracts;
using Nemo.Grains.Money;
using Nemo.Grains.Spend;
using Nemo.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace Nemo.Tests.Gateway;

/// <summary>
/// A model served by a provider of kind anthropic, through the fake Anthropic Messages API: the official
/// OpenAI SDK gets plain and streamed completions and tool calls, billed exactly at the fake's reported
/// tokens; provider errors are passed on (4xx) or answered 502 (5xx, 529) with nothing billed; a stream
/// that breaks off is billed for what was delivered; a request Anthropic can't honour is refused before
/// the provider is called; and the official Anthropic SDK works through Nemo's /v1/messages on top
/// (translated twice).
/// </summary>
public sealed class AnthropicUpstreamTests(AnthropicUpstreamTests.Fixture fixture) : IClassFixture<AnthropicUpstreamTests.Fixture>
{
    private const string Model = "claude-fast";
    private const string ProviderKey = "sk-ant-test-key";

    /// <summary>The fake's input tokens for "You are terse." (4) and "Say hello" (3 + 3).</summary>
    private const int HelloInputTokens = 10;

    private static readonly ModelPrice Price = new(3_000_000_000, 15_000_000_000);

    /// <summary>One gateway whose model claude-fast is served by the fake Anthropic; each test has its own tenant.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public TestDatabase Database { get; } = new();

        public FakeUpstreamOptions AnthropicOptions { get; } = new() { RequiredApiKey = ProviderKey };

        public WebApplication Anthropic { get; private set; } = null!;

        public NemoTestHost Host { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            await Database.InitializeAsync();
            Anthropic = FakeUpstreamApp.Build(["--urls", "http://127.0.0.1:0"], AnthropicOptions);
            await Anthropic.StartAsync();
            Host = await NemoTestHost.StartAsync(Database.ConnectionString, new Dictionary<string, string?>
            {
                ["Nemo:Providers:anthropic:Kind"] = "anthropic",
                ["Nemo:Providers:anthropic:BaseUrl"] = Anthropic.Urls.First() + "/v1",
                ["Nemo:Providers:anthropic:ApiKey"] = ProviderKey,
                [$"Nemo:Providers:anthropic:Models:{Model}:UpstreamModel"] = "claude-haiku-4-5",
                [$"Nemo:Providers:anthropic:Models:{Model}:InputPerMillion"] = "3",
                [$"Nemo:Providers:anthropic:Models:{Model}:OutputPerMillion"] = "15",
                [$"Nemo:Providers:anthropic:Models:{Model}:OutputCap"] = "1000",
                // gpt-primary: on the host's OpenAI fake, falling back to the Anthropic model.
                ["Nemo:Providers:fake:Models:gpt-primary:UpstreamModel"] = "gpt-4o-mini",
                ["Nemo:Providers:fake:Models:gpt-primary:InputPerMillion"] = "0.15",
                ["Nemo:Providers:fake:Models:gpt-primary:OutputPerMillion"] = "0.60",
                ["Nemo:Routing:Fallbacks:gpt-primary:0"] = Model,
                ["Nemo:Routing:RetryDelay"] = "00:00:00.005",
            });
        }

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            await Anthropic.DisposeAsync();
            await Database.DisposeAsync();
        }
    }

    private TestDatabase Database => fixture.Database;

    private NemoTestHost Host => fixture.Host;

    private FakeUpstreamOptions AnthropicOptions => fixture.AnthropicOptions;

    private WebApplication AnthropicApp => fixture.Anthropic;

    private FakeUpstreamStats Fake => (FakeUpstreamStats)AnthropicApp.Services.GetService(typeof(FakeUpstreamStats))!;

    private ChatClient Chat(Tenant tenant) => new OpenAIClient(new ApiKeyCredential(tenant.ApiKey), new OpenAIClientOptions
    {
        Endpoint = new Uri(Host.GatewayUrl + "/v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    }).GetChatClient(Model);

    private static readonly ChatMessage[] Hello = [new SystemChatMessage("You are terse."), new UserChatMessage("Say hello")];

    private static ChatTool Weather => ChatTool.CreateFunctionTool("get_weather", "The weather in a city",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));

    private async Task<(long Events, long Prompt, long Completion, long Cost, int Flags)> UsageAsync(Tenant tenant)
    {
        long events = await Database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId));
        if (events != 1)
            return (events, 0, 0, 0, 0);
        string row = await Database.ScalarAsync<string>(
            "SELECT concat_ws('|', prompt_tokens, completion_tokens, cost, flags) FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId));
        string[] f = row.Split('|');
        return (events, long.Parse(f[0]), long.Parse(f[1]), long.Parse(f[2]), int.Parse(f[3]));
    }

    [Fact]
    public async Task Completion_ThroughTheOpenAISdk_IsBilledExactlyAtTheProvidersTokens()
    {
        Tenant tenant = await Tenant.CreateAsync(Host.Client, credits: 1m);

        ChatCompletion completion = await Chat(tenant).CompleteChatAsync(Hello);

        Assert.Equal(16, completion.Content[0].Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(HelloInputTokens, completion.Usage.InputTokenCount);
        Assert.Equal(16, completion.Usage.OutputTokenCount);
        Assert.Equal((1L, (long)HelloInputTokens, 16L, Price.Cost(HelloInputTokens, 16), 0), await UsageAsync(tenant));
        using JsonDocument sent = JsonDocument.Parse(Fake.LastAnthropicRequest!);
        Assert.Equal("claude-haiku-4-5", sent.RootElement.GetProperty("model").GetString());
        Assert.Equal("You are terse.", sent.RootElement.GetProperty("system")[0].GetProperty("text").GetString());
        Assert.Equal(1000, sent.RootElement.GetProperty("max_tokens").GetInt32()); // Nemo always sets a limit
        Assert.Equal("2023-06-01", Fake.LastAnthropicVersion);
        Assert.Equal(ProviderKey, Fake.LastAuthorization); // the provider's key in x-api-key, never the client's
    }

    [Fact]
    public async Task CachedPromptTokens_AreCountedInThePrompt_AndReportedAsCached()
    {
        Tenant tenant = await Tenant.CreateAsync(Host.Client, credits: 1m);
        AnthropicOptions.CacheReadTokens = 7;
        AnthropicOptions.CacheWriteTokens = 5;
        try
        {
            ChatCompletion completion = await Chat(tenant).CompleteChatAsync(Hello);

            Assert.Equal(HelloInputTokens + 12, completion.Usage.InputTokenCount);
            Assert.Equal(7, completion.Usage.InputTokenDetails.CachedTokenCount);
            Assert.Equal(HelloInputTokens + 12, (await UsageAsync(tenant)).Prompt);
        }
        finally
        {
            AnthropicOptions.CacheReadTokens = 0;
            AnthropicOptions.CacheWriteTokens = 0;
        }
    }

    [Fact]
    public async Task Stream_ThroughTheOpenAISdk_DeliversTextAndUsage_BilledExactly()
    {
        Tenant tenant = await Tenant.CreateAsync(Host.Client, credits: 1m);
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;

        await foreach (StreamingChatCompletionUpdate update in Chat(tenant).CompleteChatStreamingAsync(Hello, new ChatCompletionOptions { MaxOutputTokenCount = 5 }))
        {
            foreach (ChatMessageContentPart part in update.ContentUpdate)
                text.Append(part.Text);
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal(5, text.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.NotNull(usage);
        Assert.Equal(5, usage.OutputTokenCount);
        Assert.Equal(HelloInputTokens, usage.InputTokenCount);
        Assert.Equal((1L, (long)HelloInputTokens, 5L, Price.Cost(HelloInputTokens, 5), 0), await UsageAsync(tenant));
    }

    [Fact]
    public async Task ToolCall_RoundTrip_ThroughTheOpenAISdk()
    {
        Tenant tenant = await Tenant.CreateAsync(Host.Client, credits: 1m);
        var options = new ChatCompletionOptions { Tools = { Weather } };
        List<ChatMessage> messages = [new UserChatMessage("Weather in Oslo?")];

        ChatCompletion call = await Chat(tenant).CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.ToolCalls, call.FinishReason);
        ChatToolCall toolCall = Assert.Single(call.ToolCalls);
        Assert.Equal("get_weather", toolCall.FunctionName);
        Assert.StartsWith("toolu_", toolCall.Id);
        Assert.Equal("lorem", JsonDocument.Parse(toolCall.FunctionArguments.ToString()).RootElement.GetProperty("city").GetString());

        messages.Add(new AssistantChatMessage(call));
        messages.Add(new ToolChatMessage(toolCall.Id, "Sunny, 21 C"));
        ChatCompletion answer = await Chat(tenant).CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.Stop, answer.FinishReason);
        Assert.NotEmpty(answer.Content[0].Text);
        using JsonDocument sent = JsonDocument.Parse(Fake.LastAnthropicRequest!);
        JsonElement result = sent.RootElement.GetProperty("messages")[2].GetProperty("content")[0];
        Assert.Equal("tool_result", result.GetProperty("type").GetString());
        Assert.Equal(toolCall.Id, result.GetProperty("tool_use_id").GetString());
        Assert.Equal(2, (await Database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId))));
    }

    [Fact]
    public async Task ToolCall_Streamed_ArrivesAsIndexedFragments()
    {
        Tenant tenant = await Tenant.CreateAsync(Host.Client, credits: 1m);
        var arguments = new StringBuilder();
        string? id = null, name = null;
        ChatFinishReason? finish = null;

        await foreach (StreamingChatCompletionUpdate update in Chat(tenant).CompleteChatStreamingAsync([new UserChatMessage("Weather in Oslo?")],
            new ChatCompletionOptions { Tools = { Weather } }))
        {
            foreach (StreamingChatToolCallUpdate part in update.ToolCallUpdates)
            {
                Assert.Equal(0, part.Index);
                id ??= part.ToolCallId;
                name ??= part.FunctionName;
                arguments.Append(part.FunctionArgumentsUpdate?.ToString());
            }
            finish ??= update.FinishReason;
        }

        Assert.StartsWith("toolu_", id);
        Assert.Equal("get_weather", name);
        Assert.Equal("""{"city":"lorem"}""", arguments.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Equal(0, (await UsageAsync(tenant)).Flags);
    }

    [Fact]
    public async Task ProviderRefusal_400_IsPassedOn_WithItsMessage_NothingBilled()
    {
        Tenant tenant = await Tenant.CreateAsync(Host.Client, credits: 1m);

        using HttpResponseMessage response = await Host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions",
            new { model = Model, messages = new[] { new { role = "user", content = "" } } }));
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("non-empty content", body.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(0, (await UsageAsync(tenant)).Events);
        Assert.Equal(new CreditsView(1_000_000_000, 0, 0), await Host.Get<OrganizationCalls>().GetCreditsAsync(tenant.OrganizationId, CancellationToken.None));
    }

    [Theory]
    [InlineData(FakeMode.Error500)]
    [InlineData(FakeMode.Overloaded)]
    public async Task ProviderFailure_Is502_NothingBilled(FakeMode mode)
    {
        Tenant tenant = await Tenant.CreateAsync(Host.Client, credits: 1m);

        using HttpResponseMessage response = await Host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions",
            new { model = Model, user = FakeOverrides.User(mode: mode), messages = new[] { new { role = "user", content = "x" } } }));
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("upstream_error", text);
        Assert.Equal(0, (await UsageAsync(tenant)).Events);
        Assert.Equal(new CreditsView(1_000_000_000, 0, 0), await Host.Get<OrganizationCalls>().GetCreditsAsync(tenant.OrganizationId, CancellationToken.None));
    }

    [Theory]
    [InlineData(FakeMode.Cut)]
    [InlineData(FakeMode.StreamError)]
    [InlineData(FakeMode.EndEarly)]
    public async Task StreamThatBreaksOff_IsBilledForWhatWasDelivered_WithoutDone(FakeMode mode)
    {
        Tenant tenant = await Tenant.CreateAsync(Host.Client, credits: 1m);

        using HttpResponseMessage response = await Host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions",
            new { model = Model, stream = true, user = FakeOverrides.User(mode: mode, cutAfter: 3), messages = new[] { new { role = "user", content = "x" } } }));
        string body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("[DONE]", body);
        Assert.Contains("upstream_cut", body);
        Assert.Contains("lorem ", body);
        (long events, long prompt, long completion, long cost, int flags) = await UsageAsync(tenant);
        Assert.Equal(1, events);
        Assert.Equal((int)(UsageFlags.Estimated | UsageFlags.StreamCut), flags & (int)(UsageFlags.Estimated | UsageFlags.StreamCut));
        Assert.InRange(completion, 3, 15); // the three words delivered, not the 16 a complete answer has
        Assert.Equal(Price.Cost(prompt, completion), cost);
    }

    [Fact]
    public async Task RequestAnthropicCantHonour_IsRefused400_BeforeTheProviderIsCalled()
    {
        Tenant tenant = await Tenant.CreateAsync(Host.Client, credits: 1m);
        long before = Fake.Messages;

        using HttpResponseMessage response = await Host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions",
            new { model = Model, n = 2, messages = new[] { new { role = "user", content = "x" } } }));
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("n", body.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(before, Fake.Messages);
        Assert.Equal(0, (await UsageAsync(tenant)).Events);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 0)]
    public async Task AnthropicFallback_IsSkipped_ForARequestItsAdapterRefuses(int n, long anthropicCalls)
    {
        Tenant tenant = await Tenant.CreateAsync(Host.Client, credits: 1m);
        long before = Fake.Messages;

        // The primary (OpenAI-shaped, accepts n = 2) fails with 500; the Anthropic fallback would get the same 500 override.
        using HttpResponseMessage response = await Host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions",
            new { model = "gpt-primary", n, user = FakeOverrides.User(mode: FakeMode.Error500), messages = new[] { new { role = "user", content = "x" } } }));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(before + anthropicCalls, Fake.Messages);
        Assert.Equal(0, (await UsageAsync(tenant)).Events);
    }

    [Fact]
    public async Task EmbeddingsOnAnAnthropicModel_AreRefused_AsUnsupported()
    {
        Tenant tenant = await Tenant.CreateAsync(Host.Client, credits: 1m);

        using HttpResponseMessage response = await Host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/embeddings", new { model = Model, input = "x" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("unsupported_endpoint", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnthropicSdk_ThroughNemosMessagesApi_OnAnAnthropicDeployment_Works()
    {
        Tenant tenant = await Tenant.CreateAsync(Host.Client, credits: 1m);
        var client = new AnthropicClient { ApiKey = tenant.ApiKey, BaseUrl = Host.GatewayUrl, MaxRetries = 0 };

        Message message = await client.Messages.Create(new MessageCreateParams
        {
            Model = Model,
            MaxTokens = 64,
            System = "You are terse.",
            Messages = [new UserMessageParam("Say hello")],
        });

        Assert.True(message.Content[0].TryPickText(out TextBlock? text));
        Assert.Equal(16, text!.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("end_turn", message.StopReason?.Raw());
        Assert.Equal(HelloInputTokens, message.Usage.InputTokens);
        Assert.Equal(16, message.Usage.OutputTokens);
        Assert.Equal((1L, (long)HelloInputTokens, 16L, Price.Cost(HelloInputTokens, 16), 0), await UsageAsync(tenant));
        using JsonDocument sent = JsonDocument.Parse(Fake.LastAnthropicRequest!);
        Assert.Equal(64, sent.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.Equal("You are terse.", sent.RootElement.GetProperty("system")[0].GetProperty("text").GetString());
    }
}
