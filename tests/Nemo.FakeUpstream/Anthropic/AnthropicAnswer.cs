using System.Text;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>
/// What the fake Anthropic model answers: lorem text of min(CompletionTokens, max_tokens) words
/// (stop reason end_turn, or max_tokens when that cut it short), or, when the request offers tools and
/// its last turn is not a tool result, a short text and a <c>tool_use</c> of the chosen tool whose input
/// fills the schema's required properties (stop reason tool_use). Output tokens are the words, plus
/// ceil(input JSON bytes / 4) for a tool call.
/// </summary>
internal sealed record AnthropicAnswer(string Text, string? ToolId, string? ToolName, string? ToolInput, string StopReason, int OutputTokens)
{
    public static AnthropicAnswer For(AnthropicFakeRequest request, int completionTokens)
    {
        if (request.ToolToCall is { } tool)
        {
            var name = tool.GetProperty("name").GetString()!;
            var text = $"Calling {name}.";
            var input = InputFor(tool.GetProperty("input_schema"));
            var tokens = text.Split(' ').Length + (Encoding.UTF8.GetByteCount(input) + 3) / 4;
            return new AnthropicAnswer(text, ResponseIds.Next("toolu_"), name, input, "tool_use", tokens);
        }

        var plan = GenerationPlan.Create(completionTokens, request.MaxTokens);
        var content = Encoding.UTF8.GetString(LoremText.Content(plan.Tokens));
        return new AnthropicAnswer(content, null, null, null, plan.FinishReason == "length" ? "max_tokens" : "end_turn", plan.Tokens);
    }

    /// <summary>Each required property of the schema with a value of its type ("lorem", 1, true, [] or {}).</summary>
    private static string InputFor(JsonElement schema)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            writer.WriteStartObject();
            if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array
                && schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
            {
                foreach (var name in required.EnumerateArray())
                {
                    var key = name.GetString()!;
                    var type = properties.TryGetProperty(key, out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("type", out var t) ? t.GetString() : null;
                    writer.WritePropertyName(key);
                    switch (type)
                    {
                        case "integer" or "number":
                            writer.WriteNumberValue(1);
                            break;
                        case "boolean":
                            writer.WriteBooleanValue(true);
                            break;
                        case "array":
                            writer.WriteStartArray();
                            writer.WriteEndArray();
                            break;
                        case "object":
                            writer.WriteStartObject();
                            writer.WriteEndObject();
                            break;
                        default:
                            writer.WriteStringValue("lorem");
                            break;
                    }
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
