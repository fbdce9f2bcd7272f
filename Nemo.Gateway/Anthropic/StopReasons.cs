namespace Nemo.Gateway.Anthropic;

/// <summary>OpenAI finish reasons as Anthropic stop reasons.</summary>
internal static class StopReasons
{
    public static string? From(string? finishReason) => finishReason switch
    {
        null => null,
        "length" => "max_tokens",
        "tool_calls" or "function_call" => "tool_use",
        "content_filter" => "refusal",
        _ => "end_turn",
    };
}
