namespace Nemo.Grains.Spend;

[GenerateSerializer, Immutable, Alias("nemo.authorize-result")]
public sealed record AuthorizeResult(
    AuthorizeOutcome Outcome,
    string? Code,
    string? Message,
    RateLimitSnapshot RateLimits,
    long RetryAfterMs)
{
    public bool Admitted => Outcome == AuthorizeOutcome.Admitted;

    public static AuthorizeResult Admit(RateLimitSnapshot limits) => new(AuthorizeOutcome.Admitted, null, null, limits, 0);

    public static AuthorizeResult Fenced(string message) => new(AuthorizeOutcome.Fenced, "fenced", message, default, 0);
}
