using System.Text;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>
/// A Messages API request as Anthropic validates it, strictly enough to catch a gateway that translates
/// wrongly: unknown top-level fields are refused ("Extra inputs are not permitted"), model, max_tokens and
/// messages are required, roles are user or assistant, content is a non-empty string or a list of known
/// blocks, and every <c>tool_use</c> must be answered by a <c>tool_result</c> in the next user turn
/// (and every result must answer a call of the turn before). Violations throw
/// <see cref="FakeRequestException"/> (answered 400 invalid_request_error).
/// </summary>
internal sealed class AnthropicFakeRequest
{
    private static readonly string[] Known =
        ["model", "max_tokens", "messages", "system", "stream", "stop_sequences", "temperature", "top_p", "top_k", "metadata", "tools", "tool_choice", "thinking", "service_tier"];

    private static readonly string[] BlockTypes = ["text", "image", "document", "tool_use", "tool_result", "thinking", "redacted_thinking"];

    public string Model { get; private init; } = "";

    public int MaxTokens { get; private init; }

    public bool Stream { get; private init; }

    public string? UserId { get; private init; }

    /// <summary>The tool the answer calls: the named tool_choice's, else the first tool's; null when the answer is text.</summary>
    public JsonElement? ToolToCall { get; private init; }

    /// <summary>Per message ceil(UTF-8 bytes of its text / 4) + 3, plus the system prompt's, at least 1.</summary>
    public int InputTokens { get; private init; }

    public static AnthropicFakeRequest Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FakeRequestException("Input should be an object.", null);
        }

        foreach (var property in root.EnumerateObject())
        {
            if (!Known.Contains(property.Name))
            {
                throw new FakeRequestException($"{property.Name}: Extra inputs are not permitted", property.Name);
            }
        }

        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String || model.GetString()!.Length == 0)
        {
            throw new FakeRequestException("model: Field required", "model");
        }

        if (!root.TryGetProperty("max_tokens", out var max) || max.ValueKind != JsonValueKind.Number || !max.TryGetInt32(out var maxTokens) || maxTokens < 1)
        {
            throw new FakeRequestException("max_tokens: Field required (an integer of at least 1)", "max_tokens");
        }

        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            throw new FakeRequestException("messages: Field required (a non-empty list)", "messages");
        }

        var tokens = 0;
        if (root.TryGetProperty("system", out var system))
        {
            tokens += Tokens(SystemText(system));
        }

        var count = messages.GetArrayLength();
        var previousCalls = new HashSet<string>(StringComparer.Ordinal);
        var lastIsToolResult = false;
        for (var i = 0; i < count; i++)
        {
            var message = messages[i];
            var role = message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            if (role is not ("user" or "assistant"))
            {
                throw new FakeRequestException($"messages.{i}.role: Input should be 'user' or 'assistant'", "messages");
            }

            var text = new StringBuilder();
            var calls = new HashSet<string>(StringComparer.Ordinal);
            var results = ReadContent(message, i, role, i == count - 1, text, calls);
            if (role == "user")
            {
                foreach (var id in previousCalls)
                {
                    if (!results.Contains(id))
                    {
                        throw new FakeRequestException($"messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately after: {id}. Each `tool_use` block must have a corresponding `tool_result` block in the next message.", "messages");
                    }
                }

                foreach (var id in results)
                {
                    if (!previousCalls.Contains(id))
                    {
                        throw new FakeRequestException($"messages.{i}.content: unexpected `tool_use_id` found in `tool_result` blocks: {id}. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.", "messages");
                    }
                }

                previousCalls.Clear();
                lastIsToolResult = results.Count > 0;
            }
            else
            {
                previousCalls = calls;
                lastIsToolResult = false;
            }

            tokens += Tokens(text.ToString()) + 3;
        }

        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        string? userId = root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("user_id", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        return new AnthropicFakeRequest
        {
            Model = model.GetString()!,
            MaxTokens = maxTokens,
            Stream = stream,
            UserId = userId,
            ToolToCall = lastIsToolResult ? null : ChooseTool(root),
            InputTokens = Math.Max(1, tokens),
        };
    }

    /// <summary>The content's text (for counting), the ids of its tool_use blocks and (returned) of its tool_result blocks.</summary>
    private static HashSet<string> ReadContent(JsonElement message, int i, string role, bool last, StringBuilder text, HashSet<string> calls)
    {
        var results = new HashSet<string>(StringComparer.Ordinal);
        if (!message.TryGetProperty("content", out var content))
        {
            throw new FakeRequestException($"messages.{i}.content: Field required", "messages");
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            if (content.GetString()!.Length == 0 && !(last && role == "assistant"))
            {
                throw new FakeRequestException($"messages.{i}: all messages must have non-empty content except for the optional final assistant message", "messages");
            }

            text.Append(content.GetString());
            return results;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw new FakeRequestException($"messages.{i}.content: Input should be a valid string or list", "messages");
        }

        var j = 0;
        foreach (var block in content.EnumerateArray())
        {
            var type = block.ValueKind == JsonValueKind.Object && block.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var at = $"messages.{i}.content.{j++}";
            if (type is null || !BlockTypes.Contains(type))
            {
                throw new FakeRequestException($"{at}.type: Input tag '{type}' found using 'type' does not match any of the expected tags", "messages");
            }

            switch (type)
            {
                case "text":
                    if (!block.TryGetProperty("text", out var value) || value.ValueKind != JsonValueKind.String || value.GetString()!.Length == 0)
                    {
                        throw new FakeRequestException($"{at}: text content blocks must be non-empty", "messages");
                    }

                    text.Append(value.GetString());
                    break;
                case "tool_use":
                    if (role != "assistant" || !block.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String
                        || !block.TryGetProperty("input", out var input) || input.ValueKind != JsonValueKind.Object)
                    {
                        throw new FakeRequestException($"{at}: tool_use blocks are an assistant's, with an id and an input object", "messages");
                    }

                    calls.Add(id.GetString()!);
                    text.Append(input.GetRawText());
                    break;
                case "tool_result":
                    if (role != "user" || !block.TryGetProperty("tool_use_id", out var useId) || useId.ValueKind != JsonValueKind.String)
                    {
                        throw new FakeRequestException($"{at}: tool_result blocks are a user's, with a tool_use_id", "messages");
                    }

                    results.Add(useId.GetString()!);
                    if (block.TryGetProperty("content", out var result))
                    {
                        text.Append(result.ValueKind == JsonValueKind.String ? result.GetString() : result.GetRawText());
                    }

                    break;
                case "image":
                    if (!block.TryGetProperty("source", out var source) || source.ValueKind != JsonValueKind.Object
                        || !source.TryGetProperty("type", out var sourceType) || sourceType.GetString() is not ("base64" or "url"))
                    {
                        throw new FakeRequestException($"{at}.source: Input should be a base64 or url source", "messages");
                    }

                    text.Append("[image]");
                    break;
            }
        }

        return results;
    }

    private static string SystemText(JsonElement system)
    {
        if (system.ValueKind == JsonValueKind.String)
        {
            return system.GetString()!;
        }

        if (system.ValueKind != JsonValueKind.Array)
        {
            throw new FakeRequestException("system: Input should be a valid string or list of text blocks", "system");
        }

        var text = new StringBuilder();
        foreach (var block in system.EnumerateArray())
        {
            if (block.ValueKind != JsonValueKind.Object || !block.TryGetProperty("type", out var type) || type.GetString() != "text"
                || !block.TryGetProperty("text", out var value) || value.ValueKind != JsonValueKind.String || value.GetString()!.Length == 0)
            {
                throw new FakeRequestException("system: text content blocks must be non-empty", "system");
            }

            text.Append(value.GetString());
        }

        return text.ToString();
    }

    private static JsonElement? ChooseTool(JsonElement root)
    {
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array || tools.GetArrayLength() == 0)
        {
            return null;
        }

        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String
                || !tool.TryGetProperty("input_schema", out var schema) || schema.ValueKind != JsonValueKind.Object)
            {
                throw new FakeRequestException("tools: each tool needs a name and an input_schema object", "tools");
            }
        }

        string? named = null;
        if (root.TryGetProperty("tool_choice", out var choice) && choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("type", out var type))
        {
            switch (type.GetString())
            {
                case "none":
                    return null;
                case "tool":
                    named = choice.TryGetProperty("name", out var name) ? name.GetString() : null;
                    break;
                case "auto" or "any":
                    break;
                default:
                    throw new FakeRequestException("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'", "tool_choice");
            }
        }

        foreach (var tool in tools.EnumerateArray())
        {
            if (named is null || tool.GetProperty("name").GetString() == named)
            {
                return tool.Clone();
            }
        }

        throw new FakeRequestException($"tool_choice.name: no tool named '{named}'", "tool_choice");
    }

    private static int Tokens(string text) => (Encoding.UTF8.GetByteCount(text) + 3) / 4;
}
