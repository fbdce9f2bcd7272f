namespace Nemo.Gateway.Providers;

/// <summary>The API dialect a provider speaks (<c>Nemo:Providers:{name}:Kind</c>).</summary>
public enum ProviderKind
{
    /// <summary>OpenAI's API or any compatible one: <c>{BaseUrl}/chat/completions</c>, a bearer key.</summary>
    OpenAI,

    /// <summary>Azure OpenAI: <c>{BaseUrl}/openai/deployments/{deployment}/chat/completions?api-version=…</c>, an <c>api-key</c> header.</summary>
    Azure,

    /// <summary>
    /// Google Gemini's native API: <c>{BaseUrl}/models/{model}:generateContent</c> (or
    /// <c>:streamGenerateContent?alt=sse</c>), an <c>x-goog-api-key</c> header; bodies translated both ways.
    /// </summary>
    Gemini,
    /// <summary>Anthropic's Messages API: <c>{BaseUrl}/messages</c>, <c>x-api-key</c> and <c>anthropic-version</c> headers; chat completions only.</summary>
    Anthropic,
}
