using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Providers;
using Nemo.Gateway.Providers.Adapters.Gemini;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Gateway;

/// <summary>The Gemini adapter's translators on their own: requests out, answers, streams and errors back.</summary>
public sealed class GeminiTranslationTests
{
    private static readonly TimeProvider Clock = new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    private static JsonElement Translate(string openAI)
    {
        using JsonDocument request = JsonDocument.Parse(openAI);
        Assert.Null(GeminiRequest.Check(request.RootElement));
        return JsonDocument.Parse(GeminiRequest.Translate(Encoding.UTF8.GetBytes(openAI))).RootElement;
    }

    private static OpenAIError Refusal(string openAI)
    {
        using JsonDocument request = JsonDocument.Parse(openAI);
        OpenAIError? error = GeminiRequest.Check(request.RootElement);
        Assert.NotNull(error);
        Assert.Equal(400, error.Value.Status);
        return error.Value;
    }

    [Fact]
    public void Request_MapsRolesSystemImagesToolsAndGenerationConfig()
    {
        JsonElement gemini = Translate("""
            {"model":"m","max_tokens":50,"temperature":0.3,"top_p":0.9,"stop":"END","seed":7,"user":"u1",
             "messages":[
               {"role":"system","content":"Be brief."},
               {"role":"developer","content":[{"type":"text","text":"Use French."}]},
               {"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0K"}}]},
               {"role":"assistant","content":null,"tool_calls":[
                 {"id":"call_a","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"cat\"}"}},
                 {"id":"call_b","type":"function","function":{"name":"weather","arguments":""}}]},
               {"role":"tool","tool_call_id":"call_a","content":"{\"found\":true}"},
               {"role":"tool","tool_call_id":"call_b","content":"sunny"},
               {"role":"user","content":"Thanks"}],
             "tools":[{"type":"function","function":{"name":"lookup","description":"Looks up","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}},
                      {"type":"function","function":{"name":"weather"}}],
             "tool_choice":{"type":"function","function":{"name":"lookup"}},
             "response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object","additionalProperties":false}}}}
            """);

        JsonElement system = gemini.GetProperty("systemInstruction").GetProperty("parts");
        Assert.Equal(["Be brief.", "Use French."], system.EnumerateArray().Select(p => p.GetProperty("text").GetString()));
        JsonElement contents = gemini.GetProperty("contents");
        Assert.Equal(["user", "model", "user"], contents.EnumerateArray().Select(c => c.GetProperty("role").GetString()));
        JsonElement image = contents[0].GetProperty("parts")[1].GetProperty("inlineData");
        Assert.Equal(("image/png", "iVBORw0K"), (image.GetProperty("mimeType").GetString(), image.GetProperty("data").GetString()));
        JsonElement calls = contents[1].GetProperty("parts");
        Assert.Equal("cat", calls[0].GetProperty("functionCall").GetProperty("args").GetProperty("q").GetString());
        Assert.Equal(JsonValueKind.Object, calls[1].GetProperty("functionCall").GetProperty("args").ValueKind);
        // Both tool results and the next user message share one user turn, each response named after its call.
        JsonElement answers = contents[2].GetProperty("parts");
        Assert.Equal(3, answers.GetArrayLength());
        Assert.Equal(("lookup", true), (answers[0].GetProperty("functionResponse").GetProperty("name").GetString(),
            answers[0].GetProperty("functionResponse").GetProperty("response").GetProperty("found").GetBoolean()));
        Assert.Equal(("weather", "sunny"), (answers[1].GetProperty("functionResponse").GetProperty("name").GetString(),
            answers[1].GetProperty("functionResponse").GetProperty("response").GetProperty("result").GetString()));
        Assert.Equal("Thanks", answers[2].GetProperty("text").GetString());

        JsonElement declarations = gemini.GetProperty("tools")[0].GetProperty("functionDeclarations");
        Assert.Equal("string", declarations[0].GetProperty("parametersJsonSchema").GetProperty("properties").GetProperty("q").GetProperty("type").GetString());
        Assert.False(declarations[1].TryGetProperty("parametersJsonSchema", out _));
        JsonElement calling = gemini.GetProperty("toolConfig").GetProperty("functionCallingConfig");
        Assert.Equal(("ANY", "lookup"), (calling.GetProperty("mode").GetString(), calling.GetProperty("allowedFunctionNames")[0].GetString()));

        JsonElement config = gemini.GetProperty("generationConfig");
        Assert.Equal(50, config.GetProperty("maxOutputTokens").GetInt32());
        Assert.Equal(0.3, config.GetProperty("temperature").GetDouble());
        Assert.Equal(0.9, config.GetProperty("topP").GetDouble());
        Assert.Equal(7, config.GetProperty("seed").GetInt32());
        Assert.Equal("END", config.GetProperty("stopSequences")[0].GetString());
        Assert.Equal("application/json", config.GetProperty("responseMimeType").GetString());
        Assert.False(config.GetProperty("responseJsonSchema").GetProperty("additionalProperties").GetBoolean());
        Assert.False(gemini.TryGetProperty("model", out _));
    }

    [Theory]
    [InlineData("auto", "AUTO")]
    [InlineData("none", "NONE")]
    [InlineData("required", "ANY")]
    public void ToolChoice_Modes(string choice, string mode)
    {
        JsonElement gemini = Translate($$$"""{"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":"{{{choice}}}","tools":[{"type":"function","function":{"name":"f"}}]}""");

        Assert.Equal(mode, gemini.GetProperty("toolConfig").GetProperty("functionCallingConfig").GetProperty("mode").GetString());
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}""", "messages[0].content[0].image_url.url")]
    [InlineData("""{"n":2,"messages":[{"role":"user","content":"hi"}]}""", "n")]
    [InlineData("""{"logprobs":true,"messages":[{"role":"user","content":"hi"}]}""", "logprobs")]
    [InlineData("""{"frobnicate":1,"messages":[{"role":"user","content":"hi"}]}""", "frobnicate")]
    [InlineData("""{"parallel_tool_calls":false,"messages":[{"role":"user","content":"hi"}]}""", "parallel_tool_calls")]
    [InlineData("""{"response_format":{"type":"json_schema","json_schema":{"name":"x"}},"messages":[{"role":"user","content":"hi"}]}""", "response_format.json_schema.schema")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"},{"role":"tool","tool_call_id":"nope","content":"x"}]}""", "messages[1].tool_call_id")]
    [InlineData("""{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"[1]"}}]}]}""", "messages[0].tool_calls[0].function.arguments")]
    [InlineData("""{"tools":[{"type":"custom","custom":{"name":"x"}}],"messages":[{"role":"user","content":"hi"}]}""", "tools[0].type")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-1"}}]}]}""", "messages[0].content[0].file")]
    public void Untranslatable_IsRefused_NamingTheParameter(string request, string param)
    {
        OpenAIError error = Refusal(request);

        Assert.Equal(param, error.Param);
        Assert.Contains("Gemini", error.Message);
    }

    [Fact]
    public void Completion_TextAndUsage_FollowTheUsageConvention()
    {
        byte[] completion = GeminiCompletion.Translate("""
            {"candidates":[{"content":{"parts":[{"text":"thinking…","thought":true},{"text":"Hello "},{"text":"world"}],"role":"model"},"finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":120,"candidatesTokenCount":2,"cachedContentTokenCount":100,"thoughtsTokenCount":30,"totalTokenCount":152},
             "modelVersion":"gemini-2.5-flash","responseId":"abcXYZ_1"}
            """u8, "fallback", Clock)!;

        using JsonDocument json = JsonDocument.Parse(completion);
        JsonElement root = json.RootElement;
        Assert.Equal(("chatcmpl-abcXYZ_1", "chat.completion", 1_800_000_000L, "gemini-2.5-flash"),
            (root.GetProperty("id").GetString(), root.GetProperty("object").GetString(), root.GetProperty("created").GetInt64(), root.GetProperty("model").GetString()));
        JsonElement choice = root.GetProperty("choices")[0];
        Assert.Equal(("Hello world", "stop"), (choice.GetProperty("message").GetProperty("content").GetString(), choice.GetProperty("finish_reason").GetString()));
        JsonElement usage = root.GetProperty("usage");
        Assert.Equal((120, 32, 152, 100, 30), (usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32(),
            usage.GetProperty("total_tokens").GetInt32(), usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32(),
            usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32()));
        // Billing reads the details too: 100 cache reads, 30 reasoning tokens.
        Assert.Equal(new Nemo.Gateway.Proxy.UsageReport(Nemo.Gateway.Proxy.UsageStatus.Reported, 120, 32, CachedTokens: 100, ReasoningTokens: 30),
            Nemo.Gateway.Proxy.UsageReader.Read(completion));
    }

    [Fact]
    public void Completion_FunctionCalls_BecomeToolCallsWithStableIds()
    {
        ReadOnlySpan<byte> gemini = """
            {"candidates":[{"content":{"parts":[{"functionCall":{"name":"lookup","args":{"q":"cat"}}},{"functionCall":{"name":"weather","args":{}}}],"role":"model"},"finishReason":"STOP"}],
             "usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5,"totalTokenCount":15},"responseId":"r1"}
            """u8;

        byte[] first = GeminiCompletion.Translate(gemini, "m", Clock)!;
        byte[] again = GeminiCompletion.Translate(gemini, "m", Clock)!;

        Assert.Equal(first, again);
        using JsonDocument json = JsonDocument.Parse(first);
        JsonElement choice = json.RootElement.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("message").GetProperty("content").ValueKind);
        JsonElement calls = choice.GetProperty("message").GetProperty("tool_calls");
        Assert.Equal(2, calls.GetArrayLength());
        Assert.Equal(("lookup", """{"q":"cat"}"""), (calls[0].GetProperty("function").GetProperty("name").GetString(), calls[0].GetProperty("function").GetProperty("arguments").GetString()));
        Assert.NotEqual(calls[0].GetProperty("id").GetString(), calls[1].GetProperty("id").GetString());
        Assert.StartsWith("call_", calls[1].GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("MAX_TOKENS", "length")]
    [InlineData("SAFETY", "content_filter")]
    [InlineData("RECITATION", "content_filter")]
    [InlineData("PROHIBITED_CONTENT", "content_filter")]
    [InlineData("OTHER", "stop")]
    public void Completion_FinishReasons(string gemini, string openAI)
    {
        byte[] completion = GeminiCompletion.Translate(Encoding.UTF8.GetBytes(
            $$$"""{"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"{{{gemini}}}"}],"usageMetadata":{"promptTokenCount":1,"candidatesTokenCount":1}}"""), "m", Clock)!;

        using JsonDocument json = JsonDocument.Parse(completion);
        Assert.Equal(openAI, json.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public void Completion_BlockedPrompt_IsAContentFilterCompletion_BilledAsReported()
    {
        byte[] completion = GeminiCompletion.Translate("""{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":9,"totalTokenCount":9}}"""u8, "m", Clock)!;

        using JsonDocument json = JsonDocument.Parse(completion);
        JsonElement choice = json.RootElement.GetProperty("choices")[0];
        Assert.Equal(("", "content_filter"), (choice.GetProperty("message").GetProperty("content").GetString(), choice.GetProperty("finish_reason").GetString()));
        Assert.Equal(new Nemo.Gateway.Proxy.UsageReport(Nemo.Gateway.Proxy.UsageStatus.Reported, 9, 0), Nemo.Gateway.Proxy.UsageReader.Read(completion));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"candidates":[{"content":{"parts":[{"text":"\ud800"}]}}]}""")]
    public void Completion_UnusableBody_IsNull(string body) =>
        Assert.Null(GeminiCompletion.Translate(Encoding.UTF8.GetBytes(body), "m", Clock));

    [Theory]
    [InlineData("""{"promptTokenCount":-1,"candidatesTokenCount":2}""")]
    [InlineData("""{"promptTokenCount":3.5,"candidatesTokenCount":2}""")]
    [InlineData("""{"candidatesTokenCount":2}""")]
    [InlineData("""{"promptTokenCount":3,"candidatesTokenCount":"2"}""")]
    public void Completion_UnreadableUsage_IsLeftOut_SoNemoCountsInstead(string usage)
    {
        byte[] completion = GeminiCompletion.Translate(Encoding.UTF8.GetBytes(
            $$$"""{"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}],"usageMetadata":{{{usage}}}}"""), "m", Clock)!;

        Assert.False(Nemo.Gateway.Proxy.UsageReader.Read(completion).IsReported);
    }

    private static List<string> Stream(params string[] events)
    {
        var chunks = new GeminiChunks("m", Clock);
        var output = new ArrayBufferWriter<byte>();
        foreach (string data in events)
        {
            if (!chunks.Translate(Encoding.UTF8.GetBytes(data), output))
                return Split(output);
        }
        chunks.Complete(output);
        return Split(output);
    }

    private static List<string> Split(ArrayBufferWriter<byte> output) =>
        [.. Encoding.UTF8.GetString(output.WrittenSpan).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e =>
        {
            Assert.StartsWith("data: ", e);
            return e[6..];
        })];

    [Fact]
    public void Stream_RoleContentFinishUsageDone()
    {
        List<string> events = Stream(
            """{"candidates":[{"content":{"parts":[{"text":"Hel"}],"role":"model"}}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":1},"responseId":"s1"}""",
            """{"candidates":[{"content":{"parts":[{"text":"lo"}],"role":"model"},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":2,"thoughtsTokenCount":3},"responseId":"s1"}""");

        Assert.Equal(6, events.Count); // role, "Hel", "lo", finish, usage, [DONE]
        Assert.Contains("\"role\":\"assistant\"", events[0]);
        Assert.Contains("\"content\":\"Hel\"", events[1]);
        Assert.Contains("\"content\":\"lo\"", events[2]);
        Assert.Contains("\"finish_reason\":\"stop\"", events[3]);
        Assert.True(Nemo.Gateway.Proxy.UsageReader.HasEmptyChoices(Encoding.UTF8.GetBytes(events[4])));
        Assert.Equal(new Nemo.Gateway.Proxy.UsageReport(Nemo.Gateway.Proxy.UsageStatus.Reported, 4, 5, ReasoningTokens: 3),
            Nemo.Gateway.Proxy.UsageReader.Read(Encoding.UTF8.GetBytes(events[4])));
        Assert.Equal("[DONE]", events[5]);
        Assert.All(events.Take(5), e => Assert.Contains("\"id\":\"chatcmpl-s1\"", e));
    }

    [Fact]
    public void Stream_EndingWithoutAFinishReason_HasNoUsageChunkNorDone()
    {
        List<string> events = Stream("""{"candidates":[{"content":{"parts":[{"text":"Hel"}]}}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":1}}""");

        Assert.Equal(2, events.Count);
        Assert.DoesNotContain(events, e => e == "[DONE]" || e.Contains("\"usage\""));
    }

    [Fact]
    public void Stream_ErrorEvent_EndsTheTranslationAsCut()
    {
        List<string> events = Stream(
            """{"candidates":[{"content":{"parts":[{"text":"Hel"}]}}]}""",
            """{"error":{"code":500,"message":"boom","status":"INTERNAL"}}""",
            """{"candidates":[{"content":{"parts":[{"text":"lo"}]},"finishReason":"STOP"}]}""");

        Assert.Equal(2, events.Count); // role, "Hel": nothing after the error, no [DONE]
    }

    [Fact]
    public void Stream_FunctionCalls_AreToolCallDeltasWithRunningIndexes()
    {
        List<string> events = Stream(
            """{"candidates":[{"content":{"parts":[{"functionCall":{"name":"a","args":{"x":1}}}]}}]}""",
            """{"candidates":[{"content":{"parts":[{"functionCall":{"name":"b","args":{}}}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":6}}""");

        Assert.Contains("\"index\":0", events[1]);
        Assert.Contains("\"name\":\"a\"", events[1]);
        Assert.Contains("\"arguments\":\"{\\u0022x\\u0022:1}\"", events[1]);
        Assert.Contains("\"index\":1", events[2]);
        Assert.Contains("\"finish_reason\":\"tool_calls\"", events[3]);
        Assert.Equal("[DONE]", events[^1]);
    }

    [Theory]
    [InlineData(400, """{"error":{"code":400,"message":"Bad field","status":"INVALID_ARGUMENT"}}""", "invalid_request_error", "invalid_argument", "Bad field")]
    [InlineData(429, """{"error":{"code":429,"message":"Quota","status":"RESOURCE_EXHAUSTED"}}""", "rate_limit_error", "resource_exhausted", "Quota")]
    [InlineData(400, """{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}""",
        "upstream_error", "upstream_auth_failed", "refused Nemo's credentials")]
    public void Error_IsOpenAIShaped(int status, string gemini, string type, string code, string message)
    {
        using JsonDocument json = JsonDocument.Parse(GeminiError.Translate(Encoding.UTF8.GetBytes(gemini), status)!);
        JsonElement error = json.RootElement.GetProperty("error");

        Assert.Equal((type, code), (error.GetProperty("type").GetString(), error.GetProperty("code").GetString()));
        Assert.Contains(message, error.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
    }

    [Fact]
    public void Error_ThatIsNotGeminis_IsNull() => Assert.Null(GeminiError.Translate("<html>oops</html>"u8, 400));

    [Fact]
    public void Configuration_GeminiModelIdWithAPrefix_IsAnError()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Nemo:Providers:g:Kind"] = "gemini",
            ["Nemo:Providers:g:BaseUrl"] = "https://generativelanguage.googleapis.com/v1beta",
            ["Nemo:Providers:g:Models:flash:UpstreamModel"] = "models/gemini-2.5-flash",
            ["Nemo:Providers:g:Models:flash:InputPerMillion"] = "0.30",
            ["Nemo:Providers:g:Models:flash:OutputPerMillion"] = "2.50",
        }).Build();

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => ModelCatalog.FromConfiguration(configuration));

        Assert.Contains("Nemo:Providers:g:Models:flash:UpstreamModel must be Gemini's model id", error.Message);
    }

    [Fact]
    public void Configuration_GeminiProvider_IsOfKindGemini()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Nemo:Providers:g:Kind"] = "gemini",
            ["Nemo:Providers:g:BaseUrl"] = "https://generativelanguage.googleapis.com/v1beta",
            ["Nemo:Providers:g:Models:gemini-2.5-flash:InputPerMillion"] = "0.30",
            ["Nemo:Providers:g:Models:gemini-2.5-flash:OutputPerMillion"] = "2.50",
        }).Build();

        ModelCatalog catalog = ModelCatalog.FromConfiguration(configuration);

        Assert.True(catalog.TryFind("gemini-2.5-flash", out CatalogModel model));
        Assert.Equal(ProviderKind.Gemini, model.Kind);
        Assert.False(catalog.Serves("gemini-2.5-flash", Nemo.Gateway.Proxy.LlmEndpoint.Embeddings));
    }
}
