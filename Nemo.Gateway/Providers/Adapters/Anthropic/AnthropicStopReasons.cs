namespace Nemo.Gateway.Providers.Adapters.Anthropic;

/// <summary>Anthropic stop reasons as OpenAI finish reasons (the inverse of Nemo.Gateway.Anthropic.StopReasons).</summary>
internal static class AnthropicStopReasons
{
    public static string? ToFinishReason(string? stopReason) => stopReason switch
    {
        null => null,
        "max_tokens" or "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        _ => "stop", // end_turn, stop_sequence, pause_turn
    };
}
