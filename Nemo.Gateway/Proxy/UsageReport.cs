using Nemo.Grains.Money;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// The provider's usage figures, when <see cref="Status"/> is <see cref="UsageStatus.Reported"/>: the totals
/// and, within them, the cache reads, cache writes and reasoning tokens (0 when not reported).
/// <see cref="DetailsUnreadable"/> says the provider sent details Nemo could not trust, so none were kept.
/// </summary>
internal readonly record struct UsageReport(UsageStatus Status, long PromptTokens, long CompletionTokens,
    long CachedTokens = 0, long CacheWriteTokens = 0, long ReasoningTokens = 0, bool DetailsUnreadable = false)
{
    public static readonly UsageReport Absent = new(UsageStatus.Absent, 0, 0);

    public static readonly UsageReport Unreadable = new(UsageStatus.Unreadable, 0, 0);

    public bool IsReported => Status == UsageStatus.Reported;

    /// <summary>The figures as billed.</summary>
    public TokenUsage Tokens => new(PromptTokens, CompletionTokens, CachedTokens, CacheWriteTokens, ReasoningTokens);
}
