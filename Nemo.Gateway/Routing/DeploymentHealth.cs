using Nemo.Gateway.Providers;
using Polly;
using Polly.CircuitBreaker;

namespace Nemo.Gateway.Routing;

/// <summary>
/// One deployment's circuit breaker (Polly) and requests in flight. <c>CooldownFailures</c> failures —
/// 429, 5xx, or no connection — with no success among them put it in cooldown: it is skipped for
/// <c>Cooldown</c>, then one request tries it (half-open) and its outcome closes or reopens it.
/// </summary>
internal sealed class DeploymentHealth
{
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly TimeProvider _time;
    private long _coolUntilTicks;
    private int _inFlight;

    public DeploymentHealth(RoutingOptions options, TimeProvider time)
    {
        _time = time;
        Pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = 1.0,
                MinimumThroughput = Math.Max(2, options.CooldownFailures), // Polly's floor is 2
                SamplingDuration = options.Cooldown,
                BreakDuration = options.Cooldown,
                StateProvider = _state,
                ShouldHandle = args => ValueTask.FromResult(IsFailure(args.Outcome)),
                OnOpened = args =>
                {
                    Volatile.Write(ref _coolUntilTicks, (_time.GetUtcNow() + args.BreakDuration).UtcTicks);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public ResiliencePipeline<HttpResponseMessage> Pipeline { get; }

    /// <summary>
    /// In cooldown: skipped unless nothing else is left. Polly moves an open breaker to half-open only when
    /// a call goes through it, so the end of the break is read from the clock: after it, the deployment is
    /// chosen again and its next call is the half-open trial.
    /// </summary>
    public bool CoolingDown => _state.CircuitState == CircuitState.Isolated
        || _state.CircuitState == CircuitState.Open && _time.GetUtcNow().UtcTicks < Volatile.Read(ref _coolUntilTicks);

    public int InFlight => Volatile.Read(ref _inFlight);

    public void Started() => Interlocked.Increment(ref _inFlight);

    public void Ended() => Interlocked.Decrement(ref _inFlight);

    /// <summary>A failure that another deployment might not have: the provider's 429 or 5xx, or no connection.</summary>
    public static bool IsFailure(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is HttpRequestException
        || outcome.Result is { } response && ((int)response.StatusCode == 429 || (int)response.StatusCode >= 500);
}
