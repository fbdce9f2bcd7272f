namespace Nemo.Grains.Spend;

/// <summary>
/// The most constraining request and token buckets seen by an authorization, for OpenAI-style
/// <c>x-ratelimit-*</c> headers. A limit of 0 means "no such bucket".
/// </summary>
[GenerateSerializer, Immutable, Alias("nemo.rate-limits")]
public readonly record struct RateLimitSnapshot(
    long LimitRequests,
    long RemainingRequests,
    long ResetRequestsMs,
    long LimitTokens,
    long RemainingTokens,
    long ResetTokensMs)
{
    public static RateLimitSnapshot None => default;

    public bool HasRequests => LimitRequests > 0;

    public bool HasTokens => LimitTokens > 0;

    /// <summary>Keeps, per kind, the bucket with the fewest remaining units.</summary>
    public RateLimitSnapshot Merge(RateLimitSnapshot other)
    {
        var result = this;
        if (other.HasRequests && (!HasRequests || other.RemainingRequests < RemainingRequests))
            result = result with { LimitRequests = other.LimitRequests, RemainingRequests = other.RemainingRequests, ResetRequestsMs = other.ResetRequestsMs };
        if (other.HasTokens && (!HasTokens || other.RemainingTokens < RemainingTokens))
            result = result with { LimitTokens = other.LimitTokens, RemainingTokens = other.RemainingTokens, ResetTokensMs = other.ResetTokensMs };
        return result;
    }
}
