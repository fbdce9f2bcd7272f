using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Providers;
using Nemo.Gateway.Providers.Adapters;
using Nemo.Gateway.Providers.Adapters.Anthropic;
using Nemo.Gateway.Proxy;

namespace Nemo.Tests.Gateway;

/// <summary>
/// The Anthropic adapter's translations, without a network: OpenAI requests into Messages requests (and
/// the refusals), Anthropic messages and event streams back into OpenAI shapes with the usage convention,
/// and the provider configuration.
/// </summary>
public sealed class AnthropicAdapterTranslationTests
{
    private static JsonElement Translate(string openAi, long outputCap = 1000)
    {
        byte[] body = AnthropicRequest.Translate(Encoding.UTF8.GetBytes(openAi), outputCap);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static OpenAIError? Refusal(string openAi) => AnthropicRequest.Refusal(JsonDocument.Parse(openAi).RootElement);

    [Fact]
    public void Request_SystemToolsImagesAndToolResults_MapToMessagesApi()
    {
        JsonElement body = Translate("""
            {"model":"claude-x","max_tokens":50,"max_completion_tokens":40,"temperature":0.5,"top_p":0.9,"stop":"END","stream":true,
             "stream_options":{"include_usage":true},"user":"cust-1","store":false,"seed":3,"parallel_tool_calls":false,
             "messages":[
               {"role":"system","content":"Be terse."},
               {"role":"developer","content":[{"type":"text","text":"Use tools."}]},
               {"role":"user","content":[{"type":"text","text":"Look"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
                                         {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg","detail":"low"}}]},
               {"role":"assistant","content":null,"tool_calls":[
                  {"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Oslo\"}"}},
                  {"id":"call_2","type":"function","function":{"name":"time","arguments":""}}]},
               {"role":"tool","tool_call_id":"call_1","content":"cold"},
               {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"noon"}]},
               {"role":"user","content":"Thanks"}],
             "tools":[{"type":"function","function":{"name":"weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
                      {"type":"function","function":{"name":"time"}}],
             "tool_choice":"required"}
            """);

        Assert.Equal("claude-x", body.GetProperty("model").GetString());
        Assert.Equal(40, body.GetProperty("max_tokens").GetInt32()); // max_completion_tokens wins
        Assert.Equal(0.5, body.GetProperty("temperature").GetDouble());
        Assert.Equal(0.9, body.GetProperty("top_p").GetDouble());
        Assert.Equal(["END"], body.GetProperty("stop_sequences").EnumerateArray().Select(s => s.GetString()));
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.Equal("cust-1", body.GetProperty("metadata").GetProperty("user_id").GetString());
        foreach (string dropped in new[] { "stream_options", "user", "store", "seed", "parallel_tool_calls", "max_completion_tokens" })
            Assert.False(body.TryGetProperty(dropped, out _), dropped);
        Assert.Equal(["Be terse.", "Use tools."], body.GetProperty("system").EnumerateArray().Select(b => b.GetProperty("text").GetString()));

        JsonElement[] messages = [.. body.GetProperty("messages").EnumerateArray()];
        Assert.Equal(["user", "assistant", "user", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        JsonElement[] look = [.. messages[0].GetProperty("content").EnumerateArray()];
        Assert.Equal("Look", look[0].GetProperty("text").GetString());
        Assert.Equal("base64", look[1].GetProperty("source").GetProperty("type").GetString());
        Assert.Equal("image/png", look[1].GetProperty("source").GetProperty("media_type").GetString());
        Assert.Equal("iVBORw0KGgo=", look[1].GetProperty("source").GetProperty("data").GetString());
        Assert.Equal("https://example.com/cat.jpg", look[2].GetProperty("source").GetProperty("url").GetString());

        JsonElement[] calls = [.. messages[1].GetProperty("content").EnumerateArray()];
        Assert.Equal(["tool_use", "tool_use"], calls.Select(c => c.GetProperty("type").GetString()));
        Assert.Equal("call_1", calls[0].GetProperty("id").GetString());
        Assert.Equal("Oslo", calls[0].GetProperty("input").GetProperty("city").GetString());
        Assert.Equal(JsonValueKind.Object, calls[1].GetProperty("input").ValueKind);

        JsonElement[] results = [.. messages[2].GetProperty("content").EnumerateArray()];
        Assert.Equal(2, results.Length); // the two tool messages, merged into one user turn
        Assert.Equal(["call_1", "call_2"], results.Select(r => r.GetProperty("tool_use_id").GetString()));
        Assert.Equal("cold", results[0].GetProperty("content").GetString());
        Assert.Equal("noon", results[1].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("Thanks", messages[3].GetProperty("content").GetString());

        JsonElement[] tools = [.. body.GetProperty("tools").EnumerateArray()];
        Assert.Equal("weather", tools[0].GetProperty("name").GetString());
        Assert.Equal("Weather now", tools[0].GetProperty("description").GetString());
        Assert.Equal("city", tools[0].GetProperty("input_schema").GetProperty("required")[0].GetString());
        Assert.Equal("object", tools[1].GetProperty("input_schema").GetProperty("type").GetString());
        Assert.Equal("any", body.GetProperty("tool_choice").GetProperty("type").GetString());
        Assert.True(body.GetProperty("tool_choice").GetProperty("disable_parallel_tool_use").GetBoolean());
    }

    [Theory]
    [InlineData("\"auto\"", "auto", null)]
    [InlineData("\"none\"", "none", null)]
    [InlineData("""{"type":"function","function":{"name":"weather"}}""", "tool", "weather")]
    public void Request_ToolChoice_Maps(string choice, string type, string? name)
    {
        JsonElement body = Translate("""{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"weather"}}],"tool_choice":""" + choice + "}");

        Assert.Equal(type, body.GetProperty("tool_choice").GetProperty("type").GetString());
        Assert.Equal(name, body.GetProperty("tool_choice").TryGetProperty("name", out JsonElement n) ? n.GetString() : null);
    }

    [Fact]
    public void Request_WithoutALimit_TakesTheDeploymentsCap()
    {
        Assert.Equal(321, Translate("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""", outputCap: 321).GetProperty("max_tokens").GetInt32());
    }

    [Theory]
    [InlineData("\"n\":2", "n")]
    [InlineData("\"logprobs\":true", "logprobs")]
    [InlineData("\"top_logprobs\":2", "top_logprobs")]
    [InlineData("\"frequency_penalty\":0.5", "frequency_penalty")]
    [InlineData("\"logit_bias\":{\"50256\":-100}", "logit_bias")]
    [InlineData("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{}}}", "response_format")]
    [InlineData("\"response_format\":{\"type\":\"json_object\"}", "response_format")]
    [InlineData("\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"}", "audio")]
    [InlineData("\"modalities\":[\"text\",\"audio\"]", "modalities")]
    [InlineData("\"temperature\":1.5", "temperature")]
    [InlineData("\"reasoning_effort\":\"high\"", "reasoning_effort")]
    [InlineData("\"tools\":[{\"type\":\"custom\",\"custom\":{\"name\":\"x\"}}]", "tools[0].type")]
    public void Request_ThatCantBeHonoured_IsRefused_NamingTheParameter(string field, string param)
    {
        OpenAIError? refusal = Refusal($$"""{"model":"m",{{field}},"messages":[{"role":"user","content":"hi"}]}""");

        Assert.NotNull(refusal);
        Assert.Equal(400, refusal.Value.Status);
        Assert.Equal(param, refusal.Value.Param);
        Assert.Contains(param.Split('[')[0], refusal.Value.Message);
    }

    [Theory]
    [InlineData("""{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]}""", "messages[0].content[0].type")]
    [InlineData("""{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/tiff;base64,AAAA"}}]}""", "messages[0].content[0].image_url.url")]
    [InlineData("""{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"[1]"}}]}""", "messages[0].tool_calls[0].function.arguments")]
    [InlineData("""{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{oops"}}]}""", "messages[0].tool_calls[0].function.arguments")]
    [InlineData("""{"role":"function","name":"f","content":"x"}""", "messages[0].role")]
    [InlineData("""{"role":"tool","content":"x"}""", "messages[0].tool_call_id")]
    public void Message_ThatCantBeTranslated_IsRefused(string message, string param)
    {
        OpenAIError? refusal = Refusal($$"""{"model":"m","messages":[{{message}}]}""");

        Assert.NotNull(refusal);
        Assert.Equal(param, refusal.Value.Param);
    }

    [Fact]
    public void Request_ThatIsFaithful_IsNotRefused()
    {
        Assert.Null(Refusal("""{"model":"m","n":1,"logprobs":false,"frequency_penalty":0,"response_format":{"type":"text"},"modalities":["text"],"messages":[{"role":"user","content":"hi"}]}"""));
    }

    [Fact]
    public void Adapter_ServesChatOnly_AndSendsAnthropicsHeaders()
    {
        var adapter = new AnthropicAdapter(TimeProvider.System);
        var deployment = new CatalogModel("claude", "anthropic", new Uri("https://api.anthropic.example/v1/"), "sk-ant-key", default, 1000, "max_tokens",
            new ProviderTimeouts(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)), Kind: ProviderKind.Anthropic);

        using HttpRequestMessage request = adapter.CreateRequest(deployment, LlmEndpoint.ChatCompletions, """{"model":"claude","messages":[{"role":"user","content":"hi"}]}"""u8.ToArray(), stream: false);
        using HttpRequestMessage versioned = adapter.CreateRequest(deployment with { ApiVersion = "2024-01-01" }, LlmEndpoint.ChatCompletions,
            """{"model":"claude","messages":[{"role":"user","content":"hi"}]}"""u8.ToArray(), stream: false);

        Assert.True(adapter.Serves(LlmEndpoint.ChatCompletions));
        Assert.False(adapter.Serves(LlmEndpoint.Completions));
        Assert.False(adapter.Serves(LlmEndpoint.Embeddings));
        Assert.Equal("https://api.anthropic.example/v1/messages", request.RequestUri!.AbsoluteUri);
        Assert.Equal("sk-ant-key", request.Headers.GetValues("x-api-key").Single());
        Assert.Equal("2023-06-01", request.Headers.GetValues("anthropic-version").Single());
        Assert.Null(request.Headers.Authorization);
        Assert.Equal("2024-01-01", versioned.Headers.GetValues("anthropic-version").Single());
    }

    [Fact]
    public void Message_TranslatesToACompletion_WithTheUsageConvention()
    {
        byte[] completion = AnthropicCompletion.Translate("""
            {"id":"msg_1","type":"message","role":"assistant","model":"claude-x",
             "content":[{"type":"thinking","thinking":"Hmm.","signature":"sig"},{"type":"text","text":"Let me "},{"type":"text","text":"check."},
                        {"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Oslo"}}],
             "stop_reason":"tool_use","stop_sequence":null,
             "usage":{"input_tokens":100,"cache_creation_input_tokens":20,"cache_read_input_tokens":30,"output_tokens":7}}
            """u8, created: 1_700_000_000)!;
        JsonElement root = JsonDocument.Parse(completion).RootElement;
        JsonElement choice = root.GetProperty("choices")[0];
        JsonElement usage = root.GetProperty("usage");

        Assert.Equal("chat.completion", root.GetProperty("object").GetString());
        Assert.Equal("msg_1", root.GetProperty("id").GetString());
        Assert.Equal(1_700_000_000, root.GetProperty("created").GetInt64());
        Assert.Equal("Let me check.", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("Hmm.", choice.GetProperty("message").GetProperty("reasoning_content").GetString());
        JsonElement call = choice.GetProperty("message").GetProperty("tool_calls")[0];
        Assert.Equal("toolu_1", call.GetProperty("id").GetString());
        Assert.Equal("weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("Oslo", JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).RootElement.GetProperty("city").GetString());
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(150, usage.GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(7, usage.GetProperty("completion_tokens").GetInt64());
        Assert.Equal(157, usage.GetProperty("total_tokens").GetInt64());
        Assert.Equal(30, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt64());
        Assert.Equal(20, usage.GetProperty("prompt_tokens_details").GetProperty("cache_write_tokens").GetInt64());
        // Billing reads the details: 30 cache reads and 20 cache writes within the 150 prompt tokens.
        Assert.Equal(new UsageReport(UsageStatus.Reported, 150, 7, CachedTokens: 30, CacheWriteTokens: 20), UsageReader.Read(completion));
    }

    [Theory]
    [InlineData("end_turn", "stop")]
    [InlineData("stop_sequence", "stop")]
    [InlineData("max_tokens", "length")]
    [InlineData("tool_use", "tool_calls")]
    [InlineData("refusal", "content_filter")]
    public void StopReasons_MapToFinishReasons(string stop, string finish) => Assert.Equal(finish, AnthropicStopReasons.ToFinishReason(stop));

    [Theory]
    [InlineData("""{"type":"message","content":[],"usage":{"input_tokens":-1,"output_tokens":2}}""")]
    [InlineData("""{"type":"message","content":[],"usage":{"input_tokens":3.5,"output_tokens":2}}""")]
    [InlineData("""{"type":"message","content":[],"usage":{"output_tokens":2}}""")]
    public void Message_WithUnreadableUsage_HasNoUsage_SoNemoCountsItself(string message)
    {
        byte[] completion = AnthropicCompletion.Translate(Encoding.UTF8.GetBytes(message), 0)!;

        Assert.False(UsageReader.Read(completion).IsReported);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"type":"message"}""")]
    [InlineData("[1,2]")]
    public void Body_ThatIsNotAMessage_TranslatesToNothing(string body) => Assert.Null(AnthropicCompletion.Translate(Encoding.UTF8.GetBytes(body), 0));

    private const string ToolStream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_9","type":"message","role":"assistant","model":"claude-x","content":[],"stop_reason":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":4,"cache_read_input_tokens":6,"output_tokens":1}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Plan."}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"abc"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: content_block_start
        data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

        event: ping
        data: {"type": "ping"}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hello"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":1}

        event: content_block_start
        data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_7","name":"weather","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"\"Oslo\"}"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":2}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":12}}

        event: message_stop
        data: {"type":"message_stop"}


        """;

    /// <summary>The translated stream's data payloads, read as Nemo's relay reads them.</summary>
    private static async Task<List<string>> ReadTranslatedAsync(string anthropic)
    {
        var translated = new AnthropicEventStream(new MemoryStream(Encoding.UTF8.GetBytes(anthropic.ReplaceLineEndings("\n"))), new AnthropicEventTranslator(42));
        var reader = new SseEventReader(translated, 1 << 20);
        var events = new List<string>();
        while (await reader.ReadEventAsync(CancellationToken.None) is { } data)
            events.Add(Encoding.UTF8.GetString(data.Span));
        return events;
    }

    [Fact]
    public async Task Stream_TranslatesToChunks_UsageOnlyAtTheEnd_ThenDone()
    {
        List<string> events = await ReadTranslatedAsync(ToolStream);

        Assert.Equal("[DONE]", events[^1]);
        JsonElement[] chunks = [.. events[..^1].Select(e => JsonDocument.Parse(e).RootElement)];
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.All(chunks, c => Assert.Equal("msg_9", c.GetProperty("id").GetString()));
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal("Plan.", chunks[1].GetProperty("choices")[0].GetProperty("delta").GetProperty("reasoning_content").GetString());
        Assert.Equal("Hello", chunks[2].GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
        JsonElement start = chunks[3].GetProperty("choices")[0].GetProperty("delta").GetProperty("tool_calls")[0];
        Assert.Equal(0, start.GetProperty("index").GetInt32());
        Assert.Equal("toolu_7", start.GetProperty("id").GetString());
        Assert.Equal("weather", start.GetProperty("function").GetProperty("name").GetString());
        string arguments = string.Concat(chunks[4..6].Select(c => c.GetProperty("choices")[0].GetProperty("delta").GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetString()));
        Assert.Equal("""{"city":"Oslo"}""", arguments);
        Assert.Equal("tool_calls", chunks[6].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(8, chunks.Length);
        Assert.Equal(0, chunks[7].GetProperty("choices").GetArrayLength());
        Assert.Equal(new UsageReport(UsageStatus.Reported, 35, 12, CachedTokens: 6, CacheWriteTokens: 4), UsageReader.Read(Encoding.UTF8.GetBytes(events[^2])));
        Assert.Equal(6, chunks[7].GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt64());
        Assert.All(events[..^2], e => Assert.False(UsageReader.Read(Encoding.UTF8.GetBytes(e)).IsReported)); // only the last chunk completes the response
    }

    [Fact]
    public async Task Stream_ErrorEvent_EndsItWithoutDone()
    {
        string cut = ToolStream[..ToolStream.IndexOf("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":2", StringComparison.Ordinal)]
            + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"
            + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

        List<string> events = await ReadTranslatedAsync(cut);

        Assert.DoesNotContain("[DONE]", events);
        Assert.Contains(events, e => e.Contains("Hello", StringComparison.Ordinal));
        Assert.DoesNotContain(events, e => UsageReader.Read(Encoding.UTF8.GetBytes(e)).IsReported);
    }

    [Fact]
    public async Task Stream_EndingBeforeMessageStop_EndsWithoutDoneOrUsage()
    {
        string cut = ToolStream[..ToolStream.IndexOf("event: message_stop", StringComparison.Ordinal)];

        List<string> events = await ReadTranslatedAsync(cut);

        Assert.DoesNotContain("[DONE]", events);
        Assert.Contains(events, e => e.Contains("\"finish_reason\":\"tool_calls\"", StringComparison.Ordinal));
        Assert.DoesNotContain(events, e => UsageReader.HasEmptyChoices(Encoding.UTF8.GetBytes(e)));
    }

    [Fact]
    public async Task Response_IsTranslatedLazily_AndErrorsAreLeftForUpstreamCall()
    {
        var adapter = new AnthropicAdapter(TimeProvider.System);
        var deployment = new CatalogModel("claude", "anthropic", new Uri("https://api.anthropic.example/v1/"), null, default, 1000, "max_tokens",
            new ProviderTimeouts(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)), Kind: ProviderKind.Anthropic);
        var events = new StringContent(ToolStream.ReplaceLineEndings("\n"), Encoding.UTF8, "text/event-stream");
        var error = new StringContent("""{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}""", Encoding.UTF8, "application/json");

        using HttpResponseMessage streamed = adapter.TranslateResponse(new HttpResponseMessage(HttpStatusCode.OK) { Content = events }, deployment, LlmEndpoint.ChatCompletions, stream: true);
        using HttpResponseMessage failed = adapter.TranslateResponse(new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = error }, deployment, LlmEndpoint.ChatCompletions, stream: false);

        Assert.Equal("text/event-stream", streamed.Content.Headers.ContentType!.MediaType);
        string text = await streamed.Content.ReadAsStringAsync();
        Assert.EndsWith("data: [DONE]\n\n", text);
        Assert.DoesNotContain("content_block_delta", text);
        Assert.Same(error, failed.Content);
    }

    [Fact]
    public void Configuration_AcceptsAnAnthropicProvider_AndRejectsABadVersion()
    {
        static IConfiguration Config(string? version) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Nemo:Providers:anthropic:Kind"] = "anthropic",
            ["Nemo:Providers:anthropic:BaseUrl"] = "https://api.anthropic.com/v1",
            ["Nemo:Providers:anthropic:ApiKey"] = "sk-ant-x",
            ["Nemo:Providers:anthropic:ApiVersion"] = version,
            ["Nemo:Providers:anthropic:Models:claude-sonnet:UpstreamModel"] = "claude-sonnet-4-5",
            ["Nemo:Providers:anthropic:Models:claude-sonnet:InputPerMillion"] = "3",
            ["Nemo:Providers:anthropic:Models:claude-sonnet:OutputPerMillion"] = "15",
        }).Build();

        ModelCatalog catalog = ModelCatalog.FromConfiguration(Config(null));
        InvalidOperationException bad = Assert.Throws<InvalidOperationException>(() => ModelCatalog.FromConfiguration(Config("2023 06 01\n")));

        Assert.True(catalog.TryFind("claude-sonnet", out CatalogModel model));
        Assert.Equal(ProviderKind.Anthropic, model.Kind);
        Assert.True(catalog.Serves("claude-sonnet", LlmEndpoint.ChatCompletions));
        Assert.False(catalog.Serves("claude-sonnet", LlmEndpoint.Embeddings));
        Assert.Contains("Nemo:Providers:anthropic:ApiVersion", bad.Message);
    }
}
