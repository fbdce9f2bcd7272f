namespace Nemo.FakeUpstream;

/// <summary>The path of each <see cref="FakeRoute"/>, as used in the stats JSON.</summary>
public static class FakeRoutePaths
{
    public const string ChatCompletions = "/v1/chat/completions";
    public const string Completions = "/v1/completions";
    public const string Embeddings = "/v1/embeddings";
    public const string Models = "/v1/models";
    public const string Messages = "/v1/messages";
    public const string Other = "other";
    public const string GeminiModels = "/v1beta/models";
    public const string GeminiGenerateContent = GeminiModels + "/{model}:generateContent";

    /// <summary>The path (or "other") of a route.</summary>
    public static string Of(FakeRoute route) => route switch
    {
        FakeRoute.ChatCompletions => ChatCompletions,
        FakeRoute.Completions => Completions,
        FakeRoute.Embeddings => Embeddings,
        FakeRoute.Models => Models,
        FakeRoute.GeminiGenerateContent => GeminiGenerateContent,
        FakeRoute.Messages => Messages,
        _ => Other,
    };
}
