namespace Nemo.Grains.Spend;

/// <summary>One grain's answer to a reservation. A refusal changed nothing in that grain.</summary>
internal readonly record struct ScopeDecision(
    AuthorizeOutcome Outcome,
    string? Code,
    string? Message,
    RateLimitSnapshot RateLimits,
    long RetryAfterMs)
{
    public bool Admitted => Outcome == AuthorizeOutcome.Admitted;

    public static ScopeDecision Admit(RateLimitSnapshot limits = default) => new(AuthorizeOutcome.Admitted, null, null, limits, 0);

    public static ScopeDecision Refuse(AuthorizeOutcome outcome, string code, string message, RateLimitSnapshot limits = default, long retryAfterMs = 0) =>
        new(outcome, code, message, limits, retryAfterMs);
}
