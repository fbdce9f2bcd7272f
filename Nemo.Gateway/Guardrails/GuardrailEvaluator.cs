using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nemo.Gateway.Proxy;

namespace Nemo.Gateway.Guardrails;

/// <summary>
/// Applies an organization's guardrails to the text of a request or of a non-streamed answer. The text is
/// what a model reads or wrote: chat message contents (strings and text parts), a completion's prompt,
/// an embedding's input; on output, each choice's message content or text. Every rule looks at the
/// original text, so their order doesn't matter; the first blocking hit decides, and the masks of all
/// redacting hits are merged (overlaps become one mask) into a rewritten body.
/// </summary>
internal static class GuardrailEvaluator
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A text field of the body and where it sits, so a mask can replace it.</summary>
    private sealed class Slot(JsonNode parent, string? name, int index, string text)
    {
        public string Text { get; } = text;

        public void Replace(string value)
        {
            if (name is not null)
                parent.AsObject()[name] = value;
            else
                parent.AsArray()[index] = value;
        }
    }

    public static GuardrailVerdict EvaluateInput(IReadOnlyList<GuardrailRule> rules, LlmEndpoint endpoint, ReadOnlyMemory<byte> body, Guid teamId, Guid keyId) =>
        Evaluate(rules, GuardrailStage.Input, endpoint, body, teamId, keyId);

    public static GuardrailVerdict EvaluateOutput(IReadOnlyList<GuardrailRule> rules, LlmEndpoint endpoint, ReadOnlyMemory<byte> payload, Guid teamId, Guid keyId) =>
        endpoint == LlmEndpoint.Embeddings ? GuardrailVerdict.None : Evaluate(rules, GuardrailStage.Output, endpoint, payload, teamId, keyId);

    /// <summary>Streamed output: which output rules the relayed text hits (streams can only flag; see docs/API.md).</summary>
    public static IReadOnlyList<GuardrailRule> HitsInText(IReadOnlyList<GuardrailRule> rules, GuardrailStage stage, string text, Guid teamId, Guid keyId)
    {
        var hits = new List<GuardrailRule>();
        var matches = new List<TextMatch>();
        foreach (GuardrailRule rule in rules)
        {
            if ((rule.Stage & stage) == 0 || !rule.Covers(teamId, keyId) || rule.Matcher is null)
                continue;
            matches.Clear();
            if (rule.Matcher.Find(text, matches))
                hits.Add(rule);
        }
        return hits;
    }

    /// <summary>Whether any rule of <paramref name="rules"/> could apply to this key at this stage (no parsing needed otherwise).</summary>
    public static bool AnyFor(IReadOnlyList<GuardrailRule> rules, GuardrailStage stage, Guid teamId, Guid keyId)
    {
        foreach (GuardrailRule rule in rules)
        {
            if ((rule.Stage & stage) != 0 && rule.Covers(teamId, keyId))
                return true;
        }
        return false;
    }

    private static GuardrailVerdict Evaluate(IReadOnlyList<GuardrailRule> rules, GuardrailStage stage, LlmEndpoint endpoint, ReadOnlyMemory<byte> body, Guid teamId, Guid keyId)
    {
        if (!AnyFor(rules, stage, teamId, keyId))
            return GuardrailVerdict.None;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body.Span, documentOptions: new JsonDocumentOptions { MaxDepth = 128 });
        }
        catch (JsonException)
        {
            return GuardrailVerdict.None; // the inspector or the usage reader refuses bodies that aren't JSON
        }
        if (root is not JsonObject rootObject)
            return GuardrailVerdict.None;
        var slots = new List<Slot>();
        if (stage == GuardrailStage.Input)
            CollectInput(rootObject, endpoint, slots);
        else
            CollectOutput(rootObject, slots);

        var hits = new List<GuardrailRule>();
        List<TextMatch>?[]? redactions = null;
        var matches = new List<TextMatch>();
        long? promptTokens = null;
        foreach (GuardrailRule rule in rules)
        {
            if ((rule.Stage & stage) == 0 || !rule.Covers(teamId, keyId))
                continue;
            bool hit = false;
            if (rule.Matcher is null)
            {
                // A byte-level tokenizer never makes more tokens than UTF-8 bytes: text within the limit in bytes
                // can't exceed it in tokens, and isn't counted (counting 2 KB costs tens of microseconds).
                long bytes = slots.Sum(s => (long)System.Text.Encoding.UTF8.GetByteCount(s.Text));
                if (bytes > rule.MaxPromptTokens)
                {
                    promptTokens ??= slots.Sum(s => TokenCounter.CountText(s.Text));
                    hit = promptTokens > rule.MaxPromptTokens;
                }
            }
            else
            {
                for (int i = 0; i < slots.Count; i++)
                {
                    matches.Clear();
                    if (!rule.Matcher.Find(slots[i].Text, matches))
                        continue;
                    hit = true;
                    if (rule.Action != GuardrailAction.Redact)
                        break; // one hit is enough to block or flag
                    redactions ??= new List<TextMatch>?[slots.Count];
                    (redactions[i] ??= []).AddRange(matches);
                }
            }
            if (!hit)
                continue;
            hits.Add(rule);
            if (rule.Action == GuardrailAction.Block)
                return new GuardrailVerdict(hits, rule, null);
        }
        if (hits.Count == 0)
            return GuardrailVerdict.None;
        if (redactions is null)
            return new GuardrailVerdict(hits, null, null);
        for (int i = 0; i < slots.Count; i++)
        {
            if (redactions[i] is { } spans)
                slots[i].Replace(Mask(slots[i].Text, spans));
        }
        var buffer = new ArrayBufferWriter<byte>(body.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            rootObject.WriteTo(writer);
        return new GuardrailVerdict(hits, null, buffer.WrittenSpan.ToArray());
    }

    /// <summary>The text with every span replaced by its mask; overlapping or touching spans become one mask.</summary>
    public static string Mask(string text, List<TextMatch> spans)
    {
        spans.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.Length.CompareTo(a.Length));
        var result = new System.Text.StringBuilder(text.Length);
        int position = 0;
        int i = 0;
        while (i < spans.Count)
        {
            TextMatch current = spans[i];
            int end = current.End;
            int j = i + 1;
            while (j < spans.Count && spans[j].Start < end)
            {
                end = Math.Max(end, spans[j].End);
                j++;
            }
            result.Append(text, position, current.Start - position).Append(current.Mask);
            position = end;
            i = j;
        }
        result.Append(text, position, text.Length - position);
        return result.ToString();
    }

    private static void CollectInput(JsonObject root, LlmEndpoint endpoint, List<Slot> slots)
    {
        switch (endpoint)
        {
            case LlmEndpoint.ChatCompletions:
                if (root["messages"] is not JsonArray messages)
                    return;
                foreach (JsonNode? message in messages)
                {
                    if (message is JsonObject m)
                        CollectContent(m, slots);
                }
                return;
            case LlmEndpoint.Completions:
                CollectStrings(root, "prompt", slots);
                return;
            default:
                CollectStrings(root, "input", slots);
                return;
        }
    }

    private static void CollectOutput(JsonObject root, List<Slot> slots)
    {
        if (root["choices"] is not JsonArray choices)
            return;
        foreach (JsonNode? choice in choices)
        {
            if (choice is not JsonObject c)
                continue;
            if (c["message"] is JsonObject message)
                CollectContent(message, slots);
            else if (TryString(c["text"], out string? text))
                slots.Add(new Slot(c, "text", 0, text));
        }
    }

    /// <summary>A chat message's content: a string, or the text of its text parts.</summary>
    private static void CollectContent(JsonObject message, List<Slot> slots)
    {
        JsonNode? content = message["content"];
        if (TryString(content, out string? text))
        {
            slots.Add(new Slot(message, "content", 0, text));
            return;
        }
        if (content is not JsonArray parts)
            return;
        foreach (JsonNode? part in parts)
        {
            if (part is JsonObject p && TryString(p["text"], out string? partText))
                slots.Add(new Slot(p, "text", 0, partText));
        }
    }

    /// <summary>A string field, or an array of strings (token arrays are numbers and carry no text).</summary>
    private static void CollectStrings(JsonObject root, string name, List<Slot> slots)
    {
        JsonNode? value = root[name];
        if (TryString(value, out string? text))
        {
            slots.Add(new Slot(root, name, 0, text));
            return;
        }
        if (value is not JsonArray items)
            return;
        for (int i = 0; i < items.Count; i++)
        {
            if (TryString(items[i], out string? item))
                slots.Add(new Slot(items, null, i, item));
        }
    }

    private static bool TryString(JsonNode? node, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? text)
    {
        text = null;
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
            return false;
        try
        {
            return value.TryGetValue(out text);
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape can't be decoded: the rules read its JSON form instead, so it can't hide text.
            text = value.ToJsonString();
            return true;
        }
    }
}
