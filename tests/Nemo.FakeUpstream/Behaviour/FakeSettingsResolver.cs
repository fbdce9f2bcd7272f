using System.Globalization;

namespace Nemo.FakeUpstream;

/// <summary>Applies the <c>user</c> field and then the <c>x-fake-*</c> headers over the options.</summary>
internal static class FakeSettingsResolver
{
    public static FakeRequestSettings Resolve(FakeUpstreamOptions options, IHeaderDictionary headers, string? user)
    {
        var settings = FakeRequestSettings.From(options);
        if (user is not null && user.StartsWith(FakeOverrides.UserPrefix, StringComparison.Ordinal))
        {
            settings = ApplyUser(settings, user.AsSpan(FakeOverrides.UserPrefix.Length));
        }

        return ApplyHeaders(settings, headers);
    }

    private static FakeRequestSettings ApplyUser(FakeRequestSettings settings, ReadOnlySpan<char> pairs)
    {
        foreach (var range in pairs.Split(';'))
        {
            var pair = pairs[range].Trim();
            if (pair.IsEmpty)
            {
                continue;
            }

            var eq = pair.IndexOf('=');
            if (eq <= 0)
            {
                throw new FakeRequestException($"Invalid fake override '{pair}' in 'user': expected key=value.", "user");
            }

            var key = pair[..eq].Trim().ToString();
            var value = pair[(eq + 1)..].Trim().ToString();
            settings = key switch
            {
                FakeOverrides.ModeKey => settings with { Mode = ParseMode(value, "user") },
                FakeOverrides.LatencyMsKey => settings with { LatencyMs = ParseCount(value, "user", key) },
                FakeOverrides.ChunkDelayMsKey => settings with { ChunkDelayMs = ParseCount(value, "user", key) },
                FakeOverrides.CompletionTokensKey => settings with { CompletionTokens = ParseCount(value, "user", key) },
                FakeOverrides.CutAfterKey => settings with { CutAfterChunks = ParseCount(value, "user", key) },
                FakeOverrides.UsageKey => settings with { UsageLiteral = value },
                FakeOverrides.PromptTokenizerKey => settings with { PromptTokenizer = ParseTokenizer(value, "user") },
                FakeOverrides.CachedTokensKey => settings with { CachedTokens = ParseCount(value, "user", key) },
                FakeOverrides.ReasoningTokensKey => settings with { ReasoningTokens = ParseCount(value, "user", key) },
                _ => throw new FakeRequestException($"Unknown fake override '{key}' in 'user'.", "user"),
            };
        }

        return settings;
    }

    private static FakeRequestSettings ApplyHeaders(FakeRequestSettings settings, IHeaderDictionary headers)
    {
        if (Header(headers, FakeOverrides.ModeHeader) is { } mode)
        {
            settings = settings with { Mode = ParseMode(mode, FakeOverrides.ModeHeader) };
        }

        if (Header(headers, FakeOverrides.LatencyMsHeader) is { } latency)
        {
            settings = settings with { LatencyMs = ParseCount(latency, FakeOverrides.LatencyMsHeader) };
        }

        if (Header(headers, FakeOverrides.ChunkDelayMsHeader) is { } delay)
        {
            settings = settings with { ChunkDelayMs = ParseCount(delay, FakeOverrides.ChunkDelayMsHeader) };
        }

        if (Header(headers, FakeOverrides.CompletionTokensHeader) is { } tokens)
        {
            settings = settings with { CompletionTokens = ParseCount(tokens, FakeOverrides.CompletionTokensHeader) };
        }

        if (Header(headers, FakeOverrides.CutAfterChunksHeader) is { } cut)
        {
            settings = settings with { CutAfterChunks = ParseCount(cut, FakeOverrides.CutAfterChunksHeader) };
        }

        if (Header(headers, FakeOverrides.PromptTokenizerHeader) is { } tokenizer)
        {
            settings = settings with { PromptTokenizer = ParseTokenizer(tokenizer, FakeOverrides.PromptTokenizerHeader) };
        }

        if (Header(headers, FakeOverrides.CachedTokensHeader) is { } cached)
        {
            settings = settings with { CachedTokens = ParseCount(cached, FakeOverrides.CachedTokensHeader) };
        }

        if (Header(headers, FakeOverrides.ReasoningTokensHeader) is { } reasoning)
        {
            settings = settings with { ReasoningTokens = ParseCount(reasoning, FakeOverrides.ReasoningTokensHeader) };
        }

        return settings;
    }

    private static string? ParseTokenizer(string value, string source) =>
        value == FakeOverrides.BytesTokenizer ? null
        : OpenAITokenAccounting.TryGet(value, out _) ? value
        : throw new FakeRequestException($"Invalid prompt tokenizer '{value}' in {source}: expected bytes, o200k_base or cl100k_base.", source);

    private static string? Header(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out var values) && values.Count > 0 && !string.IsNullOrWhiteSpace(values[0])
            ? values[0]
            : null;

    private static FakeMode ParseMode(string value, string source) =>
        FakeModeNames.TryParse(value, out var mode)
            ? mode
            : throw new FakeRequestException(
                $"Invalid fake mode '{value}' in {source}: see FakeMode for the names.", source);

    private static int ParseCount(string value, string source, string? key = null) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count
            : throw new FakeRequestException(
                $"Invalid value '{value}' for {key ?? source}: expected a non-negative integer.", source);
}
