using System.Globalization;

namespace Nemo.FakeUpstream;

/// <summary>Reads <see cref="FakeUpstreamOptions"/> from configuration by hand: no reflection,
/// and a configured Models list replaces the defaults instead of being appended to them.</summary>
internal static class FakeUpstreamOptionsBinder
{
    public static FakeUpstreamOptions Bind(IConfiguration configuration)
    {
        var section = configuration.GetSection(FakeUpstreamOptions.SectionName);
        var options = new FakeUpstreamOptions();
        options.LatencyMs = ReadInt(section, nameof(options.LatencyMs), options.LatencyMs, 0);
        options.ChunkDelayMs = ReadInt(section, nameof(options.ChunkDelayMs), options.ChunkDelayMs, 0);
        options.CompletionTokens = ReadInt(section, nameof(options.CompletionTokens), options.CompletionTokens, 0);
        options.EmbeddingDimensions = ReadInt(section, nameof(options.EmbeddingDimensions), options.EmbeddingDimensions, 1);
        options.CutAfterChunks = ReadInt(section, nameof(options.CutAfterChunks), options.CutAfterChunks, 0);
        options.GeminiCachedTokens = ReadInt(section, nameof(options.GeminiCachedTokens), options.GeminiCachedTokens, 0);
        options.GeminiThoughtsTokens = ReadInt(section, nameof(options.GeminiThoughtsTokens), options.GeminiThoughtsTokens, 0);
        options.CacheReadTokens = ReadInt(section, nameof(options.CacheReadTokens), options.CacheReadTokens, 0);
        options.CacheWriteTokens = ReadInt(section, nameof(options.CacheWriteTokens), options.CacheWriteTokens, 0);

        if (!string.IsNullOrWhiteSpace(section[nameof(options.CachedTokens)]))
        {
            options.CachedTokens = ReadInt(section, nameof(options.CachedTokens), 0, 0);
        }

        if (!string.IsNullOrWhiteSpace(section[nameof(options.ReasoningTokens)]))
        {
            options.ReasoningTokens = ReadInt(section, nameof(options.ReasoningTokens), 0, 0);
        }

        var mode = section[nameof(options.Mode)];
        if (!string.IsNullOrWhiteSpace(mode))
        {
            options.Mode = FakeModeNames.TryParse(mode, out var parsed)
                ? parsed
                : throw Invalid(nameof(options.Mode), mode);
        }

        var tokenizer = section[nameof(options.PromptTokenizer)];
        if (!string.IsNullOrWhiteSpace(tokenizer) && tokenizer != FakeOverrides.BytesTokenizer)
        {
            options.PromptTokenizer = OpenAITokenAccounting.TryGet(tokenizer, out _) ? tokenizer : throw Invalid(nameof(options.PromptTokenizer), tokenizer);
        }

        var key = section[nameof(options.RequiredApiKey)];
        options.RequiredApiKey = string.IsNullOrEmpty(key) ? null : key;

        var models = section.GetSection(nameof(options.Models));
        var list = models.GetChildren().Select(c => c.Value).OfType<string>().Where(v => v.Length > 0).ToArray();
        if (list.Length == 0 && !string.IsNullOrWhiteSpace(models.Value))
        {
            // Also accept a comma separated value: FakeUpstream__Models=a,b
            list = models.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        if (list.Length > 0)
        {
            options.Models = list;
        }

        return options;
    }

    private static int ReadInt(IConfigurationSection section, string name, int fallback, int min)
    {
        var text = section[name];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min
            ? value
            : throw Invalid(name, text);
    }

    private static InvalidOperationException Invalid(string name, string value) =>
        new($"Invalid configuration value {FakeUpstreamOptions.SectionName}:{name} = '{value}'.");
}
