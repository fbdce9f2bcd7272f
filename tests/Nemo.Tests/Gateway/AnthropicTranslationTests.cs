using System.Buffers;
using System.Text;
using System.Text.Json;
using Nemo.Gateway.Anthropic;

namespace Nemo.Tests.Gateway;

/// <summary>The Anthropic ⇄ OpenAI translation on its own: tools, tool results, images and system prompts in; tool calls, stop reasons and cached usage out; streamed tool calls as input_json_delta.</summary>
public sealed class AnthropicTranslationTests
{
    private static JsonElement TranslateRequest(string anthropic)
    {
        Assert.True(MessagesRequest.TryTranslate(Encoding.UTF8.GetBytes(anthropic), out Nemo.Gateway.Translation.TranslatedRequest? translated, out AnthropicError error), error.Message);
        return JsonDocument.Parse(translated!.Body).RootElement.Clone();
    }

    [Fact]
    public void Request_ToolsToolUseAndToolResults_BecomeFunctionsCallsAndToolMessages()
    {
        JsonElement openai = TranslateRequest("""
            {"model":"m","max_tokens":100,"system":[{"type":"text","text":"Be brief."},{"type":"text","text":"Use tools."}],
             "metadata":{"user_id":"cust-1"},"stop_sequences":["END"],"temperature":0.2,"top_k":5,
             "tools":[{"name":"weather","description":"Weather by city","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
             "tool_choice":{"type":"tool","name":"weather","disable_parallel_tool_use":true},
             "messages":[
               {"role":"user","content":"Weather in Paris?"},
               {"role":"assistant","content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Paris"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"18C"}]},{"type":"text","text":"And tomorrow?"},
                 {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]}]}
            """);

        Assert.Equal(100, openai.GetProperty("max_tokens").GetInt32());
        Assert.Equal("cust-1", openai.GetProperty("user").GetString());
        Assert.Equal("END", openai.GetProperty("stop")[0].GetString());
        Assert.False(openai.TryGetProperty("top_k", out _));
        Assert.False(openai.GetProperty("parallel_tool_calls").GetBoolean());
        Assert.Equal("weather", openai.GetProperty("tool_choice").GetProperty("function").GetProperty("name").GetString());
        JsonElement function = openai.GetProperty("tools")[0].GetProperty("function");
        Assert.Equal("weather", function.GetProperty("name").GetString());
        Assert.Equal("object", function.GetProperty("parameters").GetProperty("type").GetString());

        JsonElement[] messages = [.. openai.GetProperty("messages").EnumerateArray()];
        Assert.Equal(["system", "user", "assistant", "tool", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("Be brief.\n\nUse tools.", messages[0].GetProperty("content").GetString());
        Assert.Equal("Checking.", messages[2].GetProperty("content").GetString());
        JsonElement call = messages[2].GetProperty("tool_calls")[0];
        Assert.Equal("toolu_1", call.GetProperty("id").GetString());
        Assert.Equal("Paris", JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).RootElement.GetProperty("city").GetString());
        Assert.Equal("toolu_1", messages[3].GetProperty("tool_call_id").GetString());
        Assert.Equal("18C", messages[3].GetProperty("content").GetString());
        JsonElement[] parts = [.. messages[4].GetProperty("content").EnumerateArray()];
        Assert.Equal("And tomorrow?", parts[0].GetProperty("text").GetString());
        Assert.Equal("data:image/png;base64,iVBORw0KGgo=", parts[1].GetProperty("image_url").GetProperty("url").GetString());
    }

    [Fact]
    public void Request_Stream_AsksForTheUsageChunk()
    {
        JsonElement openai = TranslateRequest("""{"model":"m","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        Assert.True(openai.GetProperty("stream").GetBoolean());
        Assert.True(openai.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }

    [Fact]
    public void Response_ToolCallsAndCachedUsage_BecomeToolUseAndCacheReads()
    {
        byte[] completion = Encoding.UTF8.GetBytes("""
            {"id":"c","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":"Let me look.",
              "tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Oslo\"}"}},
                            {"id":"call_2","type":"function","function":{"name":"broken","arguments":"not json"}}]}}],
             "usage":{"prompt_tokens":100,"completion_tokens":20,"prompt_tokens_details":{"cached_tokens":60}}}
            """);

        using JsonDocument message = JsonDocument.Parse(MessagesResponse.Translate(completion, "0190-ab", "gpt-x"));
        JsonElement root = message.RootElement;

        Assert.Equal("msg_0190ab", root.GetProperty("id").GetString());
        Assert.Equal("tool_use", root.GetProperty("stop_reason").GetString());
        JsonElement[] content = [.. root.GetProperty("content").EnumerateArray()];
        Assert.Equal(["text", "tool_use", "tool_use"], content.Select(c => c.GetProperty("type").GetString()));
        Assert.Equal("Oslo", content[1].GetProperty("input").GetProperty("city").GetString());
        Assert.Equal("not json", content[2].GetProperty("input").GetProperty("arguments").GetString());
        Assert.Equal(40, root.GetProperty("usage").GetProperty("input_tokens").GetInt64());
        Assert.Equal(60, root.GetProperty("usage").GetProperty("cache_read_input_tokens").GetInt64());
        Assert.Equal(20, root.GetProperty("usage").GetProperty("output_tokens").GetInt64());
    }

    [Fact]
    public void Response_CacheWrites_AreReportedBesideInputTokens()
    {
        // An Anthropic-served answer: prompt_tokens holds input + cache reads + cache writes (docs/decisions/0021).
        byte[] completion = Encoding.UTF8.GetBytes("""
            {"id":"c","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Hi."}}],
             "usage":{"prompt_tokens":150,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":30,"cache_write_tokens":20}}}
            """);

        using JsonDocument message = JsonDocument.Parse(MessagesResponse.Translate(completion, "0190-ab", "claude-x"));
        JsonElement usage = message.RootElement.GetProperty("usage");

        Assert.Equal(100, usage.GetProperty("input_tokens").GetInt64());
        Assert.Equal(30, usage.GetProperty("cache_read_input_tokens").GetInt64());
        Assert.Equal(20, usage.GetProperty("cache_creation_input_tokens").GetInt64());
        Assert.Equal(5, usage.GetProperty("output_tokens").GetInt64());
    }

    public static TheoryData<string, string> StopReasons => new()
    {
        { "stop", "end_turn" }, { "length", "max_tokens" }, { "tool_calls", "tool_use" }, { "content_filter", "refusal" },
    };

    [Theory]
    [MemberData(nameof(StopReasons))]
    public void Response_FinishReason_IsAnthropicsStopReason(string finish, string stop)
    {
        byte[] completion = Encoding.UTF8.GetBytes("""{"choices":[{"finish_reason":"FINISH","message":{"content":"x"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}}""".Replace("FINISH", finish));
        using JsonDocument message = JsonDocument.Parse(MessagesResponse.Translate(completion, "r", "m"));
        Assert.Equal(stop, message.RootElement.GetProperty("stop_reason").GetString());
    }

    [Fact]
    public void Stream_TextThenToolCall_AsBlocksWithDeltas_UsageAtTheEnd()
    {
        var stream = new MessagesStream("r1", "gpt-x");
        var output = new ArrayBufferWriter<byte>();
        string[] chunks =
        [
            """{"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_9","type":"function","function":{"name":"weather","arguments":""}}]}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Rome\"}"}}]}}]}""",
            """{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}""",
            """{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":7}}""",
            "not json at all",
            "[DONE]",
        ];
        foreach (string chunk in chunks)
            stream.Translate(Encoding.UTF8.GetBytes(chunk), output);

        var events = Encoding.UTF8.GetString(output.WrittenSpan).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => (Name: e.Split('\n')[0]["event: ".Length..], Data: JsonDocument.Parse(e.Split('\n')[1]["data: ".Length..]).RootElement.Clone()))
            .ToArray();
        Assert.Equal(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "content_block_start",
            "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"], events.Select(e => e.Name));
        Assert.All(events, e => Assert.Equal(e.Name, e.Data.GetProperty("type").GetString()));
        Assert.Equal("Hi", events[2].Data.GetProperty("delta").GetProperty("text").GetString());
        Assert.Equal("call_9", events[4].Data.GetProperty("content_block").GetProperty("id").GetString());
        Assert.Equal(1, events[4].Data.GetProperty("index").GetInt32());
        string json = events[5].Data.GetProperty("delta").GetProperty("partial_json").GetString() + events[6].Data.GetProperty("delta").GetProperty("partial_json").GetString();
        Assert.Equal("Rome", JsonDocument.Parse(json).RootElement.GetProperty("city").GetString());
        Assert.Equal("tool_use", events[8].Data.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(7, events[8].Data.GetProperty("usage").GetProperty("output_tokens").GetInt64());
    }

    [Fact]
    public void Stream_NemosErrorEvent_IsAnAnthropicErrorEvent()
    {
        var stream = new MessagesStream("r1", "gpt-x");
        var output = new ArrayBufferWriter<byte>();
        stream.Translate("""{"choices":[{"index":0,"delta":{"content":"Hi"}}]}"""u8, output);
        stream.Translate("""{"error":{"message":"The provider broke off.","type":"upstream_error","code":"upstream_stream_cut","param":null}}"""u8, output);

        string text = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.Contains("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"The provider broke off. (upstream_stream_cut)\"}}", text);
        Assert.DoesNotContain("message_stop", text);
    }
}
