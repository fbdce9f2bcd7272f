using System.Buffers;
using System.Text;
using System.Text.Json;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Responses;
using Nemo.Gateway.Translation;

namespace Nemo.Tests.Gateway;

/// <summary>The Responses ⇄ chat-completion translation on its own: input items, tools and formats in; streamed text and function calls out, in the Responses API's event order.</summary>
public sealed class ResponsesTranslationTests
{
    [Fact]
    public void Request_ItemsToolsAndFormat_BecomeMessagesFunctionsAndResponseFormat()
    {
        Assert.True(ResponsesRequest.TryTranslate(Encoding.UTF8.GetBytes("""
            {"model":"m","instructions":"Be brief.","max_output_tokens":50,"store":true,"safety_identifier":"cust-9","reasoning":{"effort":"low"},
             "text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"},"strict":true}},
             "tools":[{"type":"function","name":"weather","parameters":{"type":"object"}}],"tool_choice":{"type":"function","name":"weather"},
             "input":[{"role":"developer","content":"Use tools."},
                      {"type":"message","role":"user","content":[{"type":"input_text","text":"Paris?"},{"type":"input_image","image_url":"https://example.com/a.png"}]},
                      {"type":"reasoning","summary":[]},
                      {"type":"function_call","call_id":"c1","name":"weather","arguments":"{\"city\":\"Paris\"}"},
                      {"type":"function_call","call_id":"c2","name":"weather","arguments":"{\"city\":\"Lyon\"}"},
                      {"type":"function_call_output","call_id":"c1","output":"18C"},
                      {"type":"function_call_output","call_id":"c2","output":"20C"}]}
            """), out TranslatedRequest? translated, out OpenAIError error), error.Message);
        JsonElement chat = JsonDocument.Parse(translated!.Body).RootElement;

        Assert.Equal(50, chat.GetProperty("max_tokens").GetInt32());
        Assert.Equal("cust-9", chat.GetProperty("user").GetString());
        Assert.Equal("low", chat.GetProperty("reasoning_effort").GetString());
        Assert.Equal("json_schema", chat.GetProperty("response_format").GetProperty("type").GetString());
        Assert.Equal("weather", chat.GetProperty("tool_choice").GetProperty("function").GetProperty("name").GetString());
        Assert.False(chat.TryGetProperty("store", out _));
        JsonElement[] messages = [.. chat.GetProperty("messages").EnumerateArray()];
        Assert.Equal(["system", "system", "user", "assistant", "tool", "tool"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("Be brief.", messages[0].GetProperty("content").GetString());
        Assert.Equal("https://example.com/a.png", messages[2].GetProperty("content")[1].GetProperty("image_url").GetProperty("url").GetString());
        Assert.Equal(["c1", "c2"], messages[3].GetProperty("tool_calls").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Equal("20C", messages[5].GetProperty("content").GetString());
    }

    [Fact]
    public void Stream_TextThenAFunctionCall_InTheResponsesEventOrder()
    {
        var echo = new ResponsesEcho(null, null, null, null, true, null, default, default, default, default);
        var stream = new ResponsesStream(new ResponseDraft("0190-aa", "m", echo, 1_700_000_000));
        var output = new ArrayBufferWriter<byte>();
        foreach (string chunk in new[]
                 {
                     """{"choices":[{"index":0,"delta":{"content":"Let me check."}}]}""",
                     """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_7","function":{"name":"weather","arguments":"{\"ci"}}]}}]}""",
                     """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Oslo\"}"}}]}}]}""",
                     """{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}""",
                     """{"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4}}""",
                     "[DONE]",
                 })
            stream.Translate(Encoding.UTF8.GetBytes(chunk), output);

        JsonElement[] events = [.. Encoding.UTF8.GetString(output.WrittenSpan).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => JsonDocument.Parse(e.Split('\n')[1]["data: ".Length..]).RootElement.Clone())];
        Assert.Equal([
            "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added", "response.output_text.delta",
            "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.output_item.added",
            "response.function_call_arguments.delta", "response.function_call_arguments.delta", "response.function_call_arguments.done",
            "response.output_item.done", "response.completed"], events.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal(Enumerable.Range(0, events.Length), events.Select(e => e.GetProperty("sequence_number").GetInt32()));
        Assert.Equal("{\"city\":\"Oslo\"}", events[11].GetProperty("arguments").GetString());
        JsonElement response = events[^1].GetProperty("response");
        Assert.Equal("completed", response.GetProperty("status").GetString());
        Assert.Equal(["message", "function_call"], response.GetProperty("output").EnumerateArray().Select(o => o.GetProperty("type").GetString()));
        Assert.Equal(13, response.GetProperty("usage").GetProperty("total_tokens").GetInt64());
    }

    [Fact]
    public void Stream_NemosErrorEvent_IsAnErrorEvent()
    {
        var echo = new ResponsesEcho(null, null, null, null, true, null, default, default, default, default);
        var stream = new ResponsesStream(new ResponseDraft("r", "m", echo, 0));
        var output = new ArrayBufferWriter<byte>();
        stream.Translate("""{"error":{"message":"usage could not be recorded","type":"service_unavailable","code":"usage_outcome_unknown","param":null}}"""u8, output);

        string text = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.StartsWith("event: error\n", text);
        Assert.Contains("\"code\":\"usage_outcome_unknown\"", text);
        Assert.DoesNotContain("response.completed", text);
    }
}
