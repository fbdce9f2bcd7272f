using Nemo.Grains.Spend;

namespace Nemo.Grains.RateLimiting;

/// <summary>
/// One scope's RPM and TPM buckets (either may be absent). Admission takes one request and the token
/// estimate together or neither; <see cref="Rollback"/> undoes an admission exactly.
/// </summary>
internal sealed class RateLimits
{
    private readonly TimeProvider _time;
    private TokenBucket? _requests;
    private TokenBucket? _tokens;

    public RateLimits(TimeProvider time) => _time = time;

    /// <summary>Applies new limits; a bucket whose limit did not change keeps its level.</summary>
    public void Configure(long? rpm, long? tpm)
    {
        _requests = Reconfigure(_requests, rpm);
        _tokens = Reconfigure(_tokens, tpm);
    }

    private TokenBucket? Reconfigure(TokenBucket? bucket, long? perMinute) =>
        perMinute is > 0 ? (bucket?.PerMinute == perMinute ? bucket : new TokenBucket(perMinute.Value, _time)) : null;

    public bool TryAdmit(long tokens, string scopeName, out ScopeDecision refusal)
    {
        long retryMs = 0;
        if (_requests is not null && !_requests.TryTake(1, out retryMs))
        {
            refusal = ScopeDecision.Refuse(AuthorizeOutcome.RateLimited, "rate_limit_exceeded",
                $"Rate limit reached for requests on the {scopeName}: limit {_requests.PerMinute} per minute.",
                Snapshot(), retryMs);
            return false;
        }
        if (_tokens is not null && !_tokens.TryTake(tokens, out retryMs))
        {
            _requests?.Adjust(-1);
            refusal = ScopeDecision.Refuse(AuthorizeOutcome.RateLimited, "rate_limit_exceeded",
                $"Rate limit reached for tokens on the {scopeName}: limit {_tokens.PerMinute} per minute, requested {tokens}.",
                Snapshot(), retryMs);
            return false;
        }
        refusal = default;
        return true;
    }

    public void Rollback(long tokens)
    {
        _requests?.Adjust(-1);
        _tokens?.Adjust(-tokens);
    }

    /// <summary>TPM admits on an estimate; at settle the difference to the actual count is taken or given back.</summary>
    public void Correct(long estimate, long actual) => _tokens?.Adjust(actual - estimate);

    public RateLimitSnapshot Snapshot() => new(
        _requests?.PerMinute ?? 0, _requests?.Remaining ?? 0, _requests?.ResetMs ?? 0,
        _tokens?.PerMinute ?? 0, _tokens?.Remaining ?? 0, _tokens?.ResetMs ?? 0);
}
