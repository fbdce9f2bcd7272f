namespace Nemo.Gateway.Admin.Usage;

/// <summary>
/// One group of <c>GET /v1/usage</c>: its key (a key, user, team or customer id, a model, or a day) and
/// totals (cost in USD) of its requests answered 2xx, in <see cref="Requests"/>; <see cref="Errors"/>
/// counts its other requests (refused or failed, with or without a usage event), <see cref="ErrorRate"/>
/// is errors ÷ all, and the latency percentiles (whole milliseconds, nearest rank) are over all of them.
/// </summary>
internal sealed record UsageRow(string? Key, long Requests, long PromptTokens, long CompletionTokens, decimal Cost, long Errors, decimal ErrorRate,
    long? LatencyP50Ms, long? LatencyP95Ms, long? LatencyP99Ms)
{
    public static decimal Rate(long errors, long requests) => errors + requests == 0 ? 0m : Math.Round((decimal)errors / (errors + requests), 4);
}
