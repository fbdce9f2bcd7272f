namespace Nemo.Gateway.Admin.Experiments;

/// <summary>
/// One variant's results, from the usage ledger (billed requests) and the request log (requests that ended
/// without a usage event): requests, errors (non-2xx), latency percentiles, tokens and exact cost.
/// </summary>
internal sealed record VariantResult(
    string Variant, long Requests, long Errors, long? LatencyP50Ms, long? LatencyP95Ms, long PromptTokens, long CompletionTokens, decimal Cost);
