namespace Nemo.FakeUpstream;

/// <summary>The routes whose requests <see cref="FakeUpstreamStats"/> counts.</summary>
public enum FakeRoute
{
    /// <summary>POST /v1/chat/completions</summary>
    ChatCompletions,

    /// <summary>POST /v1/completions</summary>
    Completions,

    /// <summary>POST /v1/embeddings</summary>
    Embeddings,

    /// <summary>GET /v1/models and GET /v1/models/{id}</summary>
    Models,

    /// <summary>Any other /v1 path (answered 404).</summary>
    Other,

    /// <summary>POST /v1beta/models/{model}:generateContent and :streamGenerateContent (Gemini's API)</summary>
    GeminiGenerateContent,
    /// <summary>POST /v1/messages (the fake Anthropic).</summary>
    Messages,
}
