using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Nemo.FakeUpstream;
using Nemo.Grains.Money;
using Nemo.Grains.Spend;
using Nemo.Tests.Admin;
using Nemo.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace Nemo.Tests.Gateway;

/// <summary>
/// A model whose deployment is of Kind gemini, driven by the unmodified OpenAI .NET SDK: Nemo translates
/// to Gemini's native API and back, and bills exactly what the fake Gemini reports (cached and thinking
/// tokens included). Three fake Gemini providers: a healthy one that requires its key (and reports 4
/// cached and 7 thinking tokens), one that answers 500, and one whose streams are cut after 3 events.
/// </summary>
public sealed class GeminiUpstreamTests : IAsyncLifetime
{
    private const string GeminiKey = "AIza-test-gemini-key";
    private static readonly ModelPrice Price = new(100_000_000, 400_000_000); // $0.10 / $0.40 per million

    private readonly TestDatabase _database = new();
    private readonly List<WebApplication> _providers = [];
    private NemoTestHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        await _database.InitializeAsync();
        var settings = new Dictionary<string, string?>();
        foreach ((string name, string model, FakeUpstreamOptions options) in new[]
        {
            ("gemini", "gemini-flash", new FakeUpstreamOptions { RequiredApiKey = GeminiKey, GeminiCachedTokens = 4, GeminiThoughtsTokens = 7 }),
            ("gemini-broken", "gemini-broken", new FakeUpstreamOptions { Mode = FakeMode.Error500 }),
            ("gemini-cutter", "gemini-cut", new FakeUpstreamOptions { Mode = FakeMode.Cut, CutAfterChunks = 3 }),
        })
        {
            WebApplication provider = FakeUpstreamApp.Build(["--urls", "http://127.0.0.1:0"], options);
            await provider.StartAsync();
            _providers.Add(provider);
            settings[$"Nemo:Providers:{name}:Kind"] = "gemini";
            settings[$"Nemo:Providers:{name}:BaseUrl"] = provider.Urls.First() + "/v1beta";
            settings[$"Nemo:Providers:{name}:ApiKey"] = GeminiKey;
            settings[$"Nemo:Providers:{name}:Models:{model}:UpstreamModel"] = "gemini-2.0-flash";
            settings[$"Nemo:Providers:{name}:Models:{model}:InputPerMillion"] = "0.10";
            settings[$"Nemo:Providers:{name}:Models:{model}:OutputPerMillion"] = "0.40";
            settings[$"Nemo:Providers:{name}:Models:{model}:OutputCap"] = "1000";
        }
        // gemini-badkey: the healthy provider, called with a key it doesn't know.
        settings["Nemo:Providers:gemini-badkey:Kind"] = "gemini";
        settings["Nemo:Providers:gemini-badkey:BaseUrl"] = _providers[0].Urls.First() + "/v1beta";
        settings["Nemo:Providers:gemini-badkey:ApiKey"] = "AIza-not-the-key";
        settings["Nemo:Providers:gemini-badkey:Models:gemini-badkey:InputPerMillion"] = "0.10";
        settings["Nemo:Providers:gemini-badkey:Models:gemini-badkey:OutputPerMillion"] = "0.40";
        _host = await NemoTestHost.StartAsync(_database.ConnectionString, settings);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        foreach (WebApplication provider in _providers)
            await provider.DisposeAsync();
        await _database.DisposeAsync();
    }

    private FakeUpstreamStats Gemini => Stats(0);

    private FakeUpstreamStats Stats(int index) => (FakeUpstreamStats)_providers[index].Services.GetService(typeof(FakeUpstreamStats))!;

    private ChatClient Chat(Tenant tenant, string model = "gemini-flash") => new OpenAIClient(new ApiKeyCredential(tenant.ApiKey), new OpenAIClientOptions
    {
        Endpoint = new Uri(_host.GatewayUrl + "/v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    }).GetChatClient(model);

    [Fact]
    public async Task PlainCompletion_IsTranslated_BilledAtTheFakesCounts_WithTheKeyInTheHeaderOnly()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);

        ChatCompletion completion = await Chat(tenant).CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("Say hello")]);

        Assert.Equal("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et ", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        // The fake's counts: "Say hello" ceil(9/4)+3 = 6 and "Be brief." ceil(9/4)+3 = 6 → 12 prompt; 16 text + 7 thinking tokens out.
        Assert.Equal((12, 23, 4, 7), (completion.Usage.InputTokenCount, completion.Usage.OutputTokenCount,
            completion.Usage.InputTokenDetails.CachedTokenCount, completion.Usage.OutputTokenDetails.ReasoningTokenCount));
        Usage usage = Assert.Single(await UsageAsync(tenant));
        Assert.Equal(("gemini-flash", "gemini", 12L, 23L, Price.Cost(12, 23), 0), (usage.Model, usage.Deployment, usage.Prompt, usage.Completion, usage.Cost, usage.Flags));

        Assert.Equal(GeminiKey, Gemini.LastGeminiApiKey);
        Assert.Equal("/v1beta/models/gemini-2.0-flash:generateContent", Gemini.LastGeminiTarget); // no key (nor anything else) in the query
        Assert.DoesNotContain(GeminiKey, Gemini.RequestsByAuthorization.Keys);
        using JsonDocument sent = JsonDocument.Parse(Gemini.LastGeminiRequest!);
        Assert.Equal("Be brief.", sent.RootElement.GetProperty("systemInstruction").GetProperty("parts")[0].GetProperty("text").GetString());
        Assert.Equal(1000, sent.RootElement.GetProperty("generationConfig").GetProperty("maxOutputTokens").GetInt32()); // Nemo's output cap
    }

    [Fact]
    public async Task Stream_IsTranslatedEventByEvent_AndBilledAtTheLastUsage()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);
        var text = new System.Text.StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        int updates = 0;

        await foreach (StreamingChatCompletionUpdate update in Chat(tenant).CompleteChatStreamingAsync([new UserChatMessage("Count")],
            new ChatCompletionOptions { MaxOutputTokenCount = 12 }))
        {
            updates++;
            foreach (ChatMessageContentPart part in update.ContentUpdate)
                text.Append(part.Text);
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal("lorem ipsum dolor sit amet ", text.ToString());
        Assert.Equal(ChatFinishReason.Length, finish); // MAX_TOKENS: 7 thinking tokens and 5 of text fill the 12
        Assert.True(updates >= 7, $"{updates} updates"); // role, 5 tokens, finish, usage
        Assert.NotNull(usage);
        // "Count": ceil(5/4)+3 = 5 prompt tokens; 5 text + 7 thinking tokens out (within the limit, so not capped).
        Assert.Equal((5, 12, 7), (usage.InputTokenCount, usage.OutputTokenCount, usage.OutputTokenDetails.ReasoningTokenCount));
        Usage billed = Assert.Single(await UsageAsync(tenant));
        Assert.Equal((5L, 12L, Price.Cost(5, 12), 0), (billed.Prompt, billed.Completion, billed.Cost, billed.Flags));
        Assert.Equal("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", Gemini.LastGeminiTarget);
        Assert.Equal(GeminiKey, Gemini.LastGeminiApiKey);
    }

    [Fact]
    public async Task ToolCalls_RoundTrip_ThroughFunctionCallAndFunctionResponse()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);
        ChatClient chat = Chat(tenant);
        var options = new ChatCompletionOptions
        {
            Tools = { ChatTool.CreateFunctionTool("lookup", "Looks a word up.", BinaryData.FromString("""{"type":"object","properties":{"query":{"type":"string"},"limit":{"type":"integer"}}}""")) },
        };
        List<ChatMessage> messages = [new UserChatMessage("Look up lorem")];

        ChatCompletion first = await chat.CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        ChatToolCall call = Assert.Single(first.ToolCalls);
        Assert.Equal("lookup", call.FunctionName);
        Assert.StartsWith("call_", call.Id);
        using (JsonDocument arguments = JsonDocument.Parse(call.FunctionArguments))
            Assert.Equal(("lorem ipsum", 3), (arguments.RootElement.GetProperty("query").GetString(), arguments.RootElement.GetProperty("limit").GetInt32()));
        using (JsonDocument declared = JsonDocument.Parse(Gemini.LastGeminiRequest!))
        {
            JsonElement declaration = declared.RootElement.GetProperty("tools")[0].GetProperty("functionDeclarations")[0];
            Assert.Equal("lookup", declaration.GetProperty("name").GetString());
            Assert.Equal("integer", declaration.GetProperty("parametersJsonSchema").GetProperty("properties").GetProperty("limit").GetProperty("type").GetString());
        }

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, """{"definition":"placeholder text"}"""));
        ChatCompletion second = await chat.CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.Stop, second.FinishReason);
        Assert.StartsWith("lorem ipsum", second.Content[0].Text);
        using JsonDocument sent = JsonDocument.Parse(Gemini.LastGeminiRequest!);
        JsonElement contents = sent.RootElement.GetProperty("contents");
        Assert.Equal(3, contents.GetArrayLength());
        Assert.Equal("model", contents[1].GetProperty("role").GetString());
        Assert.Equal("lookup", contents[1].GetProperty("parts")[0].GetProperty("functionCall").GetProperty("name").GetString());
        Assert.Equal(3, contents[1].GetProperty("parts")[0].GetProperty("functionCall").GetProperty("args").GetProperty("limit").GetInt32());
        JsonElement response = contents[2].GetProperty("parts")[0].GetProperty("functionResponse");
        Assert.Equal(("user", "lookup", "placeholder text"), (contents[2].GetProperty("role").GetString(), response.GetProperty("name").GetString(),
            response.GetProperty("response").GetProperty("definition").GetString()));
        List<Usage> usage = await UsageAsync(tenant);
        Assert.Equal(2, usage.Count);
        Assert.Contains(usage, u => u.Completion == 5 + 7); // the call: 5 tokens and 7 thinking tokens
    }

    [Fact]
    public async Task ProviderRefusal_IsPassedOnInOpenAIsShape_NothingBilled()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);

        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() =>
            Chat(tenant).CompleteChatAsync([new UserChatMessage("Hot")], new ChatCompletionOptions { Temperature = 2.5f }));

        Assert.Equal(400, error.Status);
        using JsonDocument body = JsonDocument.Parse(error.GetRawResponse()!.Content);
        JsonElement e = body.RootElement.GetProperty("error");
        Assert.Contains("temperature must be between 0 and 2", e.GetProperty("message").GetString());
        Assert.Equal(("invalid_request_error", "invalid_argument"), (e.GetProperty("type").GetString(), e.GetProperty("code").GetString()));
        Assert.Empty(await UsageAsync(tenant));
    }

    [Fact]
    public async Task Provider500_Is502_NothingBilled()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);
        long before = Stats(1).GetRequests(FakeRoute.GeminiGenerateContent);

        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => Chat(tenant, "gemini-broken").CompleteChatAsync([new UserChatMessage("Hi")]));

        Assert.Equal(502, error.Status);
        Assert.Contains("upstream_error", error.GetRawResponse()!.Content.ToString());
        Assert.Equal(before + 1, Stats(1).GetRequests(FakeRoute.GeminiGenerateContent));
        Assert.Empty(await UsageAsync(tenant));
    }

    [Fact]
    public async Task ProviderRefusingNemosKey_IsNotBlamedOnTheClient_NothingBilled()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);

        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => Chat(tenant, "gemini-badkey").CompleteChatAsync([new UserChatMessage("Hi")]));

        // Gemini answers a bad key 400 API_KEY_INVALID; the status stays, the message and code say whose key it was.
        Assert.Equal(400, error.Status);
        using JsonDocument body = JsonDocument.Parse(error.GetRawResponse()!.Content);
        JsonElement e = body.RootElement.GetProperty("error");
        Assert.Equal("upstream_auth_failed", e.GetProperty("code").GetString());
        Assert.Contains("refused Nemo's credentials", e.GetProperty("message").GetString());
        Assert.Equal("AIza-not-the-key", Gemini.LastGeminiApiKey);
        Assert.Empty(await UsageAsync(tenant));
    }

    [Fact]
    public async Task StreamCutMidway_EndsWithoutDone_AndBillsOnlyWhatWasDelivered()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);

        using HttpRequestMessage request = tenant.Request(HttpMethod.Post, "/v1/chat/completions",
            new { model = "gemini-cut", stream = true, messages = new[] { new { role = "user", content = "Count" } } });
        using HttpResponseMessage response = await _host.Client.SendAsync(request);
        var outcome = new ProxyProbe.Outcome(response.StatusCode, await response.Content.ReadAsStringAsync(), Guid.Empty, TimeSpan.Zero);

        Assert.Equal(HttpStatusCode.OK, outcome.Status);
        Assert.DoesNotContain("[DONE]", outcome.Body);
        Assert.Equal(5, outcome.Events.Count); // role + 3 content chunks + Nemo's error event
        Assert.Contains("\"code\":\"upstream_cut\"", outcome.Events[^1]);
        Usage usage = Assert.Single(await UsageAsync(tenant));
        Assert.Equal((int)(UsageFlags.Estimated | UsageFlags.StreamCut), usage.Flags);
        Assert.Equal(outcome.DeliveredTokens, usage.Completion); // the 3 words delivered, counted
        Assert.InRange(usage.Completion, 3, 12);
        Assert.Equal(Price.Cost(usage.Prompt, usage.Completion), usage.Cost);
    }

    [Fact]
    public async Task UntranslatableRequest_IsRefused400_BeforeTheProviderIsCalled()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);
        long before = Gemini.GetRequests(FakeRoute.GeminiGenerateContent);

        ClientResultException error = await Assert.ThrowsAsync<ClientResultException>(() => Chat(tenant).CompleteChatAsync(
            [new UserChatMessage(ChatMessageContentPart.CreateTextPart("What is this?"), ChatMessageContentPart.CreateImagePart(new Uri("https://example.com/cat.png")))]));

        Assert.Equal(400, error.Status);
        using JsonDocument body = JsonDocument.Parse(error.GetRawResponse()!.Content);
        Assert.Equal("messages[0].content[1].image_url.url", body.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(before, Gemini.GetRequests(FakeRoute.GeminiGenerateContent));
        Assert.Empty(await UsageAsync(tenant));
    }

    [Fact]
    public async Task EmbeddingsOnAGeminiModel_AreRefused_UnsupportedEndpoint()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 1m);

        (int status, _, string text) = await _host.Client.SendAsync(HttpMethod.Post, "/v1/embeddings", tenant.ApiKey, new { model = "gemini-flash", input = "hi" });

        Assert.True(status == 400, text);
        Assert.Contains("unsupported_endpoint", text);
    }

    private sealed record Usage(string Model, string Deployment, long Prompt, long Completion, long Cost, int Flags);

    private async Task<List<Usage>> UsageAsync(Tenant tenant)
    {
        string rows = await _database.ScalarAsync<string>(
            "SELECT coalesce(string_agg(concat_ws('|', model, deployment, prompt_tokens, completion_tokens, cost, flags), ';' ORDER BY seq), '') FROM nemo.usage_events WHERE organization_id = @org",
            ("org", tenant.OrganizationId));
        return [.. rows.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(row => row.Split('|'))
            .Select(f => new Usage(f[0], f[1], long.Parse(f[2]), long.Parse(f[3]), long.Parse(f[4]), int.Parse(f[5])))];
    }
}
