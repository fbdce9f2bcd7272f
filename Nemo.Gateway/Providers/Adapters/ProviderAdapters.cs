namespace Nemo.Gateway.Providers.Adapters;

/// <summary>The adapter of each provider kind.</summary>
internal static class ProviderAdapters
{
    private static readonly OpenAIAdapter OpenAI = new();
    private static readonly AzureOpenAIAdapter Azure = new();
    private static readonly GeminiAdapter Gemini = new(TimeProvider.System);
    private static readonly AnthropicAdapter AnthropicApi = new(TimeProvider.System);

    public static IProviderAdapter For(ProviderKind kind) => kind switch
    {
        ProviderKind.Azure => Azure,
        ProviderKind.Gemini => Gemini,
        ProviderKind.Anthropic => AnthropicApi,
        _ => OpenAI,
    };
}
