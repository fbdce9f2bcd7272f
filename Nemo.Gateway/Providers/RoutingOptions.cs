namespace Nemo.Gateway.Providers;

/// <summary>How a request moves between deployments and models, bound from <c>Nemo:Routing</c>.</summary>
public sealed class RoutingOptions
{
    /// <summary>
    /// Per public model, the other models to try, in order, when every deployment of the model failed
    /// before any byte reached the client (e.g. <c>Nemo:Routing:Fallbacks:gpt-4o:0 = gpt-4o-mini</c>).
    /// A fallback the key may not use is skipped.
    /// </summary>
    public Dictionary<string, string[]> Fallbacks { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Most upstream attempts for one request, across deployments and fallbacks (default 3; 1 to 10).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Wait before the second attempt, doubled for each next one, with jitter (default 50 ms).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Failures (429, 5xx, unreachable, timeout before headers) in a row that put a deployment in cooldown (default 3).</summary>
    public int CooldownFailures { get; set; } = 3;

    /// <summary>How long a deployment in cooldown is skipped before it is tried again (default 30 s).</summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromSeconds(30);
}
