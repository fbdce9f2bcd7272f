namespace Nemo.Grains.Spend;

/// <summary>
/// The actual usage of an admitted request. Settling is idempotent by <see cref="RequestId"/>:
/// retrying it any number of times leaves exactly one usage event. <see cref="Deployment"/> (the provider
/// that served the model) and <see cref="FirstTokenMs"/> (streams: time to the first event relayed) are
/// for the request log; they come last so that older callers' messages still deserialize. So do
/// <see cref="GuardrailHits"/> (the ids of the guardrail rules the request hit, never the matched text) and
/// the A/B test variant that served it (<see cref="ExperimentId"/>, <see cref="ExperimentVariant"/>), the upstream
/// attempts it took (<see cref="Attempts"/>, retries and fallbacks included; null from older callers), and the parts
/// of the token totals billed at their own prices: cache reads (<see cref="CachedTokens"/>) and cache writes
/// (<see cref="CacheWriteTokens"/>) within <see cref="PromptTokens"/>, reasoning (<see cref="ReasoningTokens"/>)
/// within <see cref="CompletionTokens"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("nemo.settle-request")]
public sealed record SettleRequest(
    Guid RequestId,
    Guid OrganizationId,
    Guid TeamId,
    Guid KeyId,
    Guid? UserId,
    string? CustomerId,
    string Model,
    string Endpoint,
    long PromptTokens,
    long CompletionTokens,
    long Cost,
    long TokenEstimate,
    UsageFlags Flags,
    int StatusCode,
    long LatencyMs,
    string? Deployment = null,
    long? FirstTokenMs = null,
    Guid[]? GuardrailHits = null,
    Guid? ExperimentId = null,
    string? ExperimentVariant = null,
    int? Attempts = null,
    long CachedTokens = 0,
    long CacheWriteTokens = 0,
    long ReasoningTokens = 0);
