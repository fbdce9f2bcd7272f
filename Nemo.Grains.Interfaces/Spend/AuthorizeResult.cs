namespace Nemo.Grains.Spend;

[GenerateSerializer, Immutable, Alias("nemo.authorize-result")]
public sealed record AuthorizeResult(
    AuthorizeOutcome Outcome,
    string? Code,
    string? Message,
    RateLimitSnapshot RateLimits,
    long RetryAfterMs,
    bool LogContent = false)
{
    // LogContent: the organization keeps prompt and completion text (its content-logging setting; off by
    // default). Last, with a default, so an older node's message still deserializes.
    public bool Admitted => Outcome == AuthorizeOutcome.Admitted;

    public static AuthorizeResult Admit(RateLimitSnapshot limits) => new(AuthorizeOutcome.Admitted, null, null, limits, 0);

    public static AuthorizeResult Fenced(string message) => new(AuthorizeOutcome.Fenced, "fenced", message, default, 0);
}
