namespace Nemo.Grains.Spend;

public sealed record AuthorizeResult(
    AuthorizeOutcome Outcome,
    string? Code,
    string? Message,
    RateLimitSnapshot RateLimits,
    long RetryAfterMs)
{
    public bool Admitted => Outcome == AuthorizeOutcome.Admitted;

    public static AuthorizeResult Admit(RateLimitSnapshot limits) => new(AuthorizeOutcome.Admitted, null, null, limits, 0);

    public static AuthorizeResult NotOwner(string message) => new(AuthorizeOutcome.NotOwner, "not_owner", message, default, 0);
}
