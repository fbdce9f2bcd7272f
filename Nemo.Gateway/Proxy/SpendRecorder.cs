using Microsoft.Extensions.Logging;
using Nemo.Grains.Money;
using Nemo.Grains.Spend;
using Nemo.Cluster.Calls;
using Nemo.Gateway.Telemetry;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// Settles or releases an admission through the cluster. A settle is retried (by the cluster client,
/// idempotent by request id) until acknowledged or the call deadline passes; the caller completes the
/// response to its client only when it is <see cref="SettleResult.Billed"/>. A settle that could not be
/// confirmed is then decided by abandoning the request (a zero-cost event under the same request id), so
/// that a client told "not billed, retry" is never billed later.
/// </summary>
internal sealed partial class SpendRecorder(OrganizationCalls cluster, NemoMetrics metrics, TimeProvider time, ILogger<SpendRecorder> logger)
{
    public Task<SettleResult> SettleAsync(Admission admission, long promptTokens, long completionTokens, UsageFlags flags, int statusCode,
        TimeSpan? firstToken = null) =>
        SettleAsync(admission, new TokenUsage(promptTokens, completionTokens), flags, statusCode, firstToken);

    /// <summary>
    /// Settles at the serving deployment's prices per token kind (<see cref="ModelPrice.Cost(TokenUsage)"/>). Details that don't
    /// fit their totals are dropped (flagged <see cref="UsageFlags.UsageUnreadable"/>) rather than thrown on.
    /// </summary>
    public async Task<SettleResult> SettleAsync(Admission admission, TokenUsage usage, UsageFlags flags, int statusCode, TimeSpan? firstToken = null)
    {
        // The reservation's token bounds are true upper bounds (docs/ARCHITECTURE.md, "Money"): a provider claiming more
        // (10^12 tokens) must not lock the organization out of its TPM limit for months.
        usage = usage with { PromptTokens = Math.Max(0, usage.PromptTokens), CompletionTokens = Math.Max(0, usage.CompletionTokens) };
        if (!usage.IsConsistent)
        {
            usage = usage.WithoutDetails();
            flags |= UsageFlags.UsageUnreadable;
        }
        if (usage.PromptTokens > admission.Request.PromptTokensUpper || usage.CompletionTokens > admission.Request.OutputTokensUpper)
        {
            usage = usage.CappedAt(admission.Request.PromptTokensUpper, admission.Request.OutputTokensUpper);
            flags |= UsageFlags.TokensCapped;
        }
        long promptTokens = usage.PromptTokens, completionTokens = usage.CompletionTokens;
        long cost = admission.Model.Price.Cost(usage);
        if (cost > admission.CostUpperBound)
        {
            // The reservation is the most this request may spend (docs/ARCHITECTURE.md, "Money"); never settle above it.
            cost = admission.CostUpperBound;
            flags |= UsageFlags.CostCapped;
        }
        var request = new SettleRequest(
            admission.RequestId, admission.Key.OrganizationId, admission.Key.TeamId, admission.Key.KeyId, admission.Key.UserId,
            admission.Customer, admission.Model.Name, admission.Endpoint.UpstreamPath(), promptTokens, completionTokens, cost,
            admission.Request.TokenEstimate, flags, statusCode, (long)time.GetElapsedTime(admission.StartedTimestamp).TotalMilliseconds,
            admission.Model.Provider, firstToken is { } ttft ? (long)ttft.TotalMilliseconds : null,
            admission.GuardrailHits, admission.Experiment?.ExperimentId, admission.Experiment?.Variant,
            admission.Attempts, usage.CachedTokens, usage.CacheWriteTokens, usage.ReasoningTokens);
        long settling = time.GetTimestamp();
        try
        {
            SettleOutcome settled = await cluster.SettleAsync(request, CancellationToken.None);
            metrics.Settled(time.GetElapsedTime(settling));
            return settled == SettleOutcome.Abandoned ? SettleResult.NotBilled : Billed(admission, promptTokens, completionTokens, cost);
        }
        catch (ClusterUnavailableException ex)
        {
            LogSettleFailed(ex, admission.RequestId);
        }
        try
        {
            SettleOutcome decided = await cluster.AbandonAsync(request, CancellationToken.None);
            LogDecided(admission.RequestId, decided);
            return decided == SettleOutcome.Abandoned ? SettleResult.NotBilled : Billed(admission, promptTokens, completionTokens, cost);
        }
        catch (ClusterUnavailableException ex)
        {
            LogOutcomeUnknown(ex, admission.RequestId);
            return SettleResult.Unknown;
        }
    }

    private SettleResult Billed(Admission admission, long promptTokens, long completionTokens, long cost)
    {
        metrics.Usage(admission.Model, promptTokens, completionTokens, cost);
        LogSettled(admission.RequestId, admission.Model.Name, promptTokens, completionTokens, cost);
        return SettleResult.Billed;
    }

    /// <summary>Gives the reservation back (no tokens were produced). If that fails, the reservation expires instead.</summary>
    public async Task ReleaseAsync(Admission admission)
    {
        try
        {
            await cluster.ReleaseAsync(admission.Key.OrganizationId, admission.RequestId, CancellationToken.None);
        }
        catch (ClusterUnavailableException ex)
        {
            LogReleaseFailed(ex, admission.RequestId);
        }
    }

    [LoggerMessage(EventId = 7005, Level = LogLevel.Debug, Message = "Settled request {RequestId} ({Model}): {PromptTokens} + {CompletionTokens} tokens, {CostNanos} nano-dollars")]
    private partial void LogSettled(Guid requestId, string model, long promptTokens, long completionTokens, long costNanos);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Error, Message = "Settle of request {RequestId} could not be confirmed; abandoning it to make the outcome final")]
    private partial void LogSettleFailed(Exception exception, Guid requestId);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Request {RequestId} decided after an unconfirmed settle: {Outcome}")]
    private partial void LogDecided(Guid requestId, SettleOutcome outcome);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Error, Message = "Neither the settle nor the abandonment of request {RequestId} could be confirmed; the client is told the outcome is unknown, and the reservation expires into an unsettled record unless the settle lands")]
    private partial void LogOutcomeUnknown(Exception exception, Guid requestId);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Release of request {RequestId} failed; the reservation will expire instead")]
    private partial void LogReleaseFailed(Exception exception, Guid requestId);
}
