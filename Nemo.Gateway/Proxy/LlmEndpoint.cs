namespace Nemo.Gateway.Proxy;

/// <summary>The OpenAI-compatible routes that reach an upstream; all go through the same authorizer.</summary>
internal enum LlmEndpoint
{
    ChatCompletions,
    Completions,
    Embeddings,
}

internal static class LlmEndpoints
{
    public static string UpstreamPath(this LlmEndpoint endpoint) => endpoint switch
    {
        LlmEndpoint.ChatCompletions => "chat/completions",
        LlmEndpoint.Completions => "completions",
        LlmEndpoint.Embeddings => "embeddings",
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
    };
}
