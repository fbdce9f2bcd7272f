namespace Nemo.Gateway.Admin.RequestLog;

/// <summary>
/// One entry of <c>GET /v1/logs</c>: a request's metadata — never its prompt or completion, which Nemo
/// does not keep. <see cref="Cost"/> is exact USD from the integer nano-dollar ledger; failed requests
/// (no usage event) have no tokens, no cost and no time to first token. <see cref="GuardrailHits"/> are the ids
/// of the guardrail rules the request hit (never the matched text); <see cref="ErrorCode"/> is the refusal's
/// code where Nemo refused it itself (e.g. guardrail_violation); the experiment fields name the A/B test
/// variant that served it. <see cref="Attempts"/> counts the upstream attempts (retries and fallbacks; null for
/// requests that never reached a provider, and for events recorded before it was kept); <see cref="CachedTokens"/>
/// and <see cref="CacheWriteTokens"/> are the parts of <see cref="PromptTokens"/> read from and written to the
/// provider's prompt cache, <see cref="ReasoningTokens"/> the part of <see cref="CompletionTokens"/> spent reasoning,
/// each billed at its own price (docs/PRICING.md).
/// </summary>
internal sealed record RequestLogEntry(
    Guid Id,
    DateTimeOffset CreatedAt,
    Guid KeyId,
    string? KeyName,
    Guid TeamId,
    Guid? UserId,
    string? CustomerId,
    string? Model,
    string? Deployment,
    string Endpoint,
    int Status,
    long LatencyMs,
    long? TimeToFirstTokenMs,
    long PromptTokens,
    long CompletionTokens,
    decimal Cost,
    int Flags,
    string[] FlagNames,
    string? ErrorCode = null,
    Guid[]? GuardrailHits = null,
    Guid? ExperimentId = null,
    string? ExperimentVariant = null,
    int? Attempts = null,
    long CachedTokens = 0,
    long CacheWriteTokens = 0,
    long ReasoningTokens = 0)
{
    public string Object => "request_log";
}
