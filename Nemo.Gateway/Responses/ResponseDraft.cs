using System.Text;
using System.Text.Json;
using Nemo.Gateway.Translation;

namespace Nemo.Gateway.Responses;

/// <summary>
/// A Responses API response being assembled from a chat completion or its chunks: the assistant's text
/// (one message item), its function calls (one item each), the finish reason and the usage. Writes the
/// response object and its items in the shapes the Responses API and its SDKs read.
/// </summary>
internal sealed class ResponseDraft(string requestId, string model, ResponsesEcho echo, long createdAt)
{
    private readonly string _hex = requestId.Replace("-", "", StringComparison.Ordinal);

    public string Id => "resp_" + _hex;

    public string MessageId => "msg_" + _hex;

    public StringBuilder Text { get; } = new();

    public bool HasMessage { get; set; }

    public List<FunctionCall> Calls { get; } = [];

    public string? FinishReason { get; set; }

    public CompletionUsage? Usage { get; set; }

    public sealed class FunctionCall(string callId, string name)
    {
        public string CallId { get; } = callId;
        public string Name { get; } = name;
        public StringBuilder Arguments { get; } = new();
        public string ItemId => "fc_" + CallId;
    }

    /// <summary>completed, or incomplete when the output was cut (length, content filter).</summary>
    public string FinalStatus => FinishReason is "length" or "content_filter" ? "incomplete" : "completed";

    public void WriteResponse(Utf8JsonWriter w, string status)
    {
        w.WriteStartObject();
        w.WriteString("id", Id);
        w.WriteString("object", "response");
        w.WriteNumber("created_at", createdAt);
        w.WriteString("status", status);
        w.WriteNull("error");
        if (status == "incomplete")
        {
            w.WriteStartObject("incomplete_details");
            w.WriteString("reason", FinishReason == "length" ? "max_output_tokens" : "content_filter");
            w.WriteEndObject();
        }
        else
            w.WriteNull("incomplete_details");
        if (echo.Instructions is null) w.WriteNull("instructions"); else w.WriteString("instructions", echo.Instructions);
        if (echo.MaxOutputTokens is long max) w.WriteNumber("max_output_tokens", max); else w.WriteNull("max_output_tokens");
        w.WriteString("model", model);
        w.WriteStartArray("output");
        if (status != "in_progress")
        {
            if (HasMessage)
                WriteMessageItem(w, "completed");
            foreach (FunctionCall call in Calls)
                WriteCallItem(w, call, "completed");
        }
        w.WriteEndArray();
        w.WriteBoolean("parallel_tool_calls", echo.ParallelToolCalls);
        w.WriteNull("previous_response_id");
        w.WriteStartObject("reasoning");
        w.WriteNull("effort");
        w.WriteNull("summary");
        w.WriteEndObject();
        w.WriteBoolean("store", false);
        if (echo.Temperature is double t) w.WriteNumber("temperature", t); else w.WriteNumber("temperature", 1.0);
        w.WriteStartObject("text");
        w.WritePropertyName("format");
        if (echo.TextFormat.ValueKind == JsonValueKind.Object)
            echo.TextFormat.WriteTo(w);
        else
        {
            w.WriteStartObject();
            w.WriteString("type", "text");
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WritePropertyName("tool_choice");
        if (echo.ToolChoice.ValueKind is JsonValueKind.String or JsonValueKind.Object) echo.ToolChoice.WriteTo(w); else w.WriteStringValue("auto");
        w.WritePropertyName("tools");
        if (echo.Tools.ValueKind == JsonValueKind.Array) echo.Tools.WriteTo(w); else { w.WriteStartArray(); w.WriteEndArray(); }
        if (echo.TopP is double p) w.WriteNumber("top_p", p); else w.WriteNumber("top_p", 1.0);
        w.WriteString("truncation", "disabled");
        if (status == "in_progress" || Usage is not { } usage)
            w.WriteNull("usage");
        else
        {
            w.WriteStartObject("usage");
            w.WriteNumber("input_tokens", usage.Prompt);
            w.WriteStartObject("input_tokens_details");
            w.WriteNumber("cached_tokens", usage.CachedPrompt);
            w.WriteEndObject();
            w.WriteNumber("output_tokens", usage.Completion);
            w.WriteStartObject("output_tokens_details");
            w.WriteNumber("reasoning_tokens", usage.Reasoning);
            w.WriteEndObject();
            w.WriteNumber("total_tokens", usage.Prompt + usage.Completion);
            w.WriteEndObject();
        }
        if (echo.User is null) w.WriteNull("user"); else w.WriteString("user", echo.User);
        w.WritePropertyName("metadata");
        if (echo.Metadata.ValueKind == JsonValueKind.Object) echo.Metadata.WriteTo(w); else { w.WriteStartObject(); w.WriteEndObject(); }
        w.WriteEndObject();
    }

    public void WriteMessageItem(Utf8JsonWriter w, string status, bool withText = true)
    {
        w.WriteStartObject();
        w.WriteString("type", "message");
        w.WriteString("id", MessageId);
        w.WriteString("status", status);
        w.WriteString("role", "assistant");
        w.WriteStartArray("content");
        if (withText)
            WriteTextPart(w, Text.ToString());
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteTextPart(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", "output_text");
        w.WriteString("text", text);
        w.WriteStartArray("annotations");
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteCallItem(Utf8JsonWriter w, FunctionCall call, string status)
    {
        w.WriteStartObject();
        w.WriteString("type", "function_call");
        w.WriteString("id", call.ItemId);
        w.WriteString("call_id", call.CallId);
        w.WriteString("name", call.Name);
        w.WriteString("arguments", call.Arguments.ToString());
        w.WriteString("status", status);
        w.WriteEndObject();
    }
}
