using System.Text;
using System.Text.Json;

namespace Nemo.Gateway.Providers.Adapters.Gemini;

/// <summary>A function call Gemini asked for: its name, its <c>args</c> as JSON text, and its own id if it gave one.</summary>
internal readonly record struct GeminiFunctionCall(string Name, string Arguments, string? Id);

/// <summary>
/// What one <c>GenerateContentResponse</c> (a whole answer, or one event of a stream) says, read from the
/// first candidate: its text (thought summaries left out), its function calls, its finish reason, whether
/// the prompt was blocked (<c>promptFeedback.blockReason</c>), the usage, and the response's id and model.
/// A provider's bytes are hostile: fields of the wrong type are ignored, and text that is not valid
/// Unicode throws <see cref="InvalidOperationException"/> (the caller treats the answer as unusable).
/// </summary>
internal sealed record GeminiReply(string Text, IReadOnlyList<GeminiFunctionCall> Calls, string? FinishReason, bool PromptBlocked,
    GeminiUsage? Usage, string? ResponseId, string? ModelVersion)
{
    public static GeminiReply Read(JsonElement response)
    {
        var text = new StringBuilder();
        var calls = new List<GeminiFunctionCall>();
        string? finish = null;
        if (response.TryGetProperty("candidates", out JsonElement candidates) && candidates.ValueKind == JsonValueKind.Array
            && candidates.GetArrayLength() > 0 && candidates[0] is { ValueKind: JsonValueKind.Object } candidate)
        {
            finish = String(candidate, "finishReason");
            if (candidate.TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.Object
                && content.TryGetProperty("parts", out JsonElement parts) && parts.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement part in parts.EnumerateArray())
                    ReadPart(part, text, calls);
            }
        }
        bool blocked = response.TryGetProperty("promptFeedback", out JsonElement feedback) && feedback.ValueKind == JsonValueKind.Object
            && String(feedback, "blockReason") is { Length: > 0 };
        return new GeminiReply(text.ToString(), calls, finish, blocked, GeminiUsage.Read(response), String(response, "responseId"), String(response, "modelVersion"));
    }

    /// <summary>Whether the answer is over: a finish reason, or a blocked prompt (which gets no candidate).</summary>
    public bool Finished => FinishReason is not null || PromptBlocked;

    /// <summary>OpenAI's finish reason: content_filter for a blocked prompt.</summary>
    public string OpenAIFinishReason(bool calledFunctions) =>
        PromptBlocked && FinishReason is null ? "content_filter" : GeminiFinishReasons.ToOpenAI(FinishReason, calledFunctions);

    private static void ReadPart(JsonElement part, StringBuilder text, List<GeminiFunctionCall> calls)
    {
        if (part.ValueKind != JsonValueKind.Object)
            return;
        if (part.TryGetProperty("thought", out JsonElement thought) && thought.ValueKind == JsonValueKind.True)
            return; // a thought summary: reasoning, not the answer (billed as reasoning tokens)
        if (String(part, "text") is { } fragment)
            text.Append(fragment);
        if (part.TryGetProperty("functionCall", out JsonElement call) && call.ValueKind == JsonValueKind.Object && String(call, "name") is { Length: > 0 } name)
        {
            string arguments = call.TryGetProperty("args", out JsonElement args) && args.ValueKind == JsonValueKind.Object ? args.GetRawText() : "{}";
            calls.Add(new GeminiFunctionCall(name, arguments, String(call, "id")));
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
