namespace Nemo.FakeUpstream;

/// <summary>How many tokens a completion has and why it stops.</summary>
internal readonly record struct GenerationPlan(int Tokens, string FinishReason)
{
    /// <summary>min(configured tokens, max_tokens); "length" when max_tokens is what limited it.</summary>
    public static GenerationPlan Create(int configuredTokens, int? maxTokens) =>
        maxTokens is { } max && max < configuredTokens
            ? new GenerationPlan(max, "length")
            : new GenerationPlan(configuredTokens, "stop");
}
