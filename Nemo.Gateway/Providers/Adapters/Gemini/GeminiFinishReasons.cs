namespace Nemo.Gateway.Providers.Adapters.Gemini;

/// <summary>
/// Gemini's <c>finishReason</c> as OpenAI's <c>finish_reason</c>: STOP → stop (tool_calls when the turn
/// called functions), MAX_TOKENS → length, the safety family → content_filter, anything else (OTHER,
/// MALFORMED_FUNCTION_CALL, LANGUAGE, an unknown value) → stop: the answer ended, and OpenAI has no closer word.
/// </summary>
internal static class GeminiFinishReasons
{
    public static string ToOpenAI(string? reason, bool calledFunctions) => reason switch
    {
        "MAX_TOKENS" => "length",
        "SAFETY" or "RECITATION" or "BLOCKLIST" or "PROHIBITED_CONTENT" or "SPII" or "IMAGE_SAFETY" => "content_filter",
        _ when calledFunctions => "tool_calls",
        _ => "stop",
    };
}
