namespace Nemo.Gateway.Admin.Usage;

/// <summary>One group of <c>GET /v1/usage</c>: its key (a key, user, team or customer id, a model, or a day) and totals; cost in USD.</summary>
internal sealed record UsageRow(string? Key, long Requests, long PromptTokens, long CompletionTokens, decimal Cost);
