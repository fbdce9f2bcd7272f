using System.Buffers;
using System.IO.Pipelines;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Hosting;
using Nemo.Gateway.Routing;
using Nemo.Gateway.Telemetry;
using Nemo.Grains.Spend;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// Streams an upstream SSE response through as each event arrives, reading the usage chunk on the way
/// (Nemo always asks for it; a client that didn't ask doesn't get it). The response is complete at
/// <c>data: [DONE]</c> or at the usage chunk (Nemo doesn't wait for a hanging provider's [DONE]); the
/// final <c>data: [DONE]</c> goes to the client only after the settle is durable.
/// <list type="bullet">
/// <item>The response to the client starts with the first event relayed. If the upstream ends, breaks
/// off or stalls before any, the client gets a plain 502/504 and nothing is charged.</item>
/// <item>A plain JSON reply to a stream request is refused (502 upstream_bad_response), not charged.</item>
/// <item>If the stream breaks off, stalls (idle timeout) or ends without [DONE] after events were relayed,
/// the request is settled for what was delivered — the prompt and the relayed output, counted — flagged
/// Estimated|StreamCut, and the client gets an error event instead of [DONE].</item>
/// <item>Usage that is missing or unreadable is replaced by the same counted figure, flagged Estimated.</item>
/// </list>
/// </summary>
internal sealed class StreamRelay(DeploymentRouter upstream, SpendRecorder spend, TokenCounter tokens, GatewayOptions options, NemoMetrics metrics, TimeProvider time)
{
    /// <summary>The largest single upstream event accepted.</summary>
    private const int MaxEventBytes = 4 * 1024 * 1024;

    /// <summary>How much relayed text output guardrails (flag only on streams) look at.</summary>
    private const int MaxGuardedTextChars = 1024 * 1024;

    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public async Task<UpstreamTries> RelayAsync(HttpContext context, Admission admission)
    {
        metrics.StreamStarted();
        try
        {
            return await RelayCoreAsync(context, admission);
        }
        finally
        {
            metrics.StreamEnded();
        }
    }

    private async Task<UpstreamTries> RelayCoreAsync(HttpContext context, Admission admission)
    {
        HttpResponse response = context.Response;
        CancellationToken clientAborted = context.RequestAborted;
        using var deadline = new UpstreamDeadline(clientAborted, options.UpstreamTimeout, time);
        using UpstreamCall call = await UpstreamCall.StartAsync(upstream, admission, deadline);
        admission = admission with { Model = call.Served, Attempts = call.Attempts }; // settled at the price of the deployment that answered
        var tries = new UpstreamTries(call.Attempts, call.Served.Provider);
        if (await call.ReleaseIfFailedAsync(spend, admission, response, deadline))
            return tries;
        HttpResponseMessage upstreamResponse = call.Response!;
        if (IsJson(upstreamResponse.Content.Headers.ContentType))
        {
            // A plain reply to a stream request: the client asked for events and gets none of this.
            await spend.ReleaseAsync(admission);
            await UpstreamCall.BadResponse("a plain JSON reply to a stream request").WriteAsync(response);
            return tries;
        }

        PipeWriter writer = response.BodyWriter;
        bool started = false, sawDone = false, sawFinal = false;
        TimeSpan? firstToken = null;
        UsageReport usage = UsageReport.Absent;
        bool usageUnreadable = false;
        var delivered = new OutputTally();
        // Output guardrails on a stream can only flag (the text has already reached the client): collect it, bounded.
        System.Text.StringBuilder? relayedText = admission.OutputRules is null ? null : new System.Text.StringBuilder();
        UsageFlags flags = UsageFlags.None;
        TimeSpan idle = admission.Model.Timeouts.Idle;
        try
        {
            deadline.Arm(idle, "its next chunk");
            await using Stream stream = await upstreamResponse.Content.ReadAsStreamAsync(deadline.Token);
            var events = new SseEventReader(stream, MaxEventBytes, () => deadline.Arm(idle, "its next chunk"));
            try
            {
                while (await events.ReadEventAsync(deadline.Token) is { } data)
                {
                    if (data.Span.SequenceEqual("[DONE]"u8))
                    {
                        sawDone = true;
                        break;
                    }
                    UsageReport reported = UsageReader.Read(data.Span);
                    bool usageOnly = UsageReader.HasEmptyChoices(data.Span);
                    if (reported.IsReported)
                        usage = reported;
                    else if (reported.Status == UsageStatus.Unreadable)
                        usageUnreadable = true;
                    // The usage-only chunk ("choices":[]) is the last one: the response is complete.
                    sawFinal = usageOnly && reported.Status != UsageStatus.Absent;
                    if (!(usageOnly && !admission.Request.ClientWantsUsage))
                    {
                        if (!started)
                        {
                            StartResponse(response);
                            started = true;
                            firstToken = time.GetElapsedTime(admission.StartedTimestamp);
                            metrics.FirstToken(admission.Model, firstToken.Value);
                        }
                        writer.Write(DataPrefix);
                        writer.Write(data.Span);
                        writer.Write(EventEnd);
                        FlushResult flushed = await writer.FlushAsync(clientAborted);
                        if (flushed.IsCanceled || flushed.IsCompleted)
                            throw new OperationCanceledException(clientAborted);
                        delivered.Add(data.Span);
                        admission.Content?.AddResponse(data.Span, (byte)'\n');
                        if (relayedText is not null && relayedText.Length < MaxGuardedTextChars)
                            TokenCounter.CollectOutput(data.Span, relayedText);
                    }
                    if (sawFinal)
                        break;
                }
            }
            finally
            {
                await events.CompleteAsync();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException or InvalidDataException)
        {
            flags |= deadline.ClientGone ? UsageFlags.ClientAborted : UsageFlags.StreamCut;
        }

        bool complete = sawDone || sawFinal || usage.IsReported;
        if (!complete && !started && !deadline.ClientGone)
        {
            // Nothing reached the client: a plain error, nothing charged.
            await spend.ReleaseAsync(admission);
            await UpstreamCall.BodyFailed(admission, deadline, charged: false).WriteAsync(response);
            return tries;
        }
        if (!complete)
            flags |= deadline.ClientGone ? UsageFlags.ClientAborted : UsageFlags.StreamCut;
        long prompt = usage.PromptTokens, completion = usage.CompletionTokens;
        if (!usage.IsReported)
        {
            // Billed for what was delivered: the prompt and the relayed output, counted.
            flags |= UsageFlags.Estimated | (usageUnreadable ? UsageFlags.UsageUnreadable : 0);
            prompt = Math.Min(admission.Request.PromptTokensUpper, tokens.CountPrompt(admission.Endpoint, admission.Request.UpstreamBody));
            completion = Math.Min(admission.Request.OutputTokensUpper, delivered.Tokens);
        }
        if (relayedText is { Length: > 0 })
        {
            IReadOnlyList<Guardrails.GuardrailRule> hits = Guardrails.GuardrailEvaluator.HitsInText(admission.OutputRules!, Guardrails.GuardrailStage.Output,
                relayedText.ToString(), admission.Key.TeamId, admission.Key.KeyId);
            foreach (Guardrails.GuardrailRule hit in hits)
                metrics.GuardrailHit(hit, Guardrails.GuardrailStage.Output, admission.Key.OrganizationId);
            if (hits.Count > 0)
                admission = admission with { GuardrailHits = [.. (admission.GuardrailHits ?? []).Union(hits.Select(h => h.Id))] };
        }
        if (usage.DetailsUnreadable)
            flags |= UsageFlags.UsageUnreadable;
        SettleResult settled = await spend.SettleAsync(admission, usage.IsReported ? usage.Tokens : new Nemo.Grains.Money.TokenUsage(prompt, completion), flags,
            StatusCodes.Status200OK, firstToken);
        if (clientAborted.IsCancellationRequested)
            return tries;
        if (!started)
        {
            if (settled != SettleResult.Billed)
            {
                await SettleFailure.Error(settled, stream: false).WriteAsync(response);
                return tries;
            }
            StartResponse(response);
        }
        try
        {
            if (settled == SettleResult.Billed && complete)
            {
                writer.Write(Done);
            }
            else
            {
                OpenAIError error = settled != SettleResult.Billed
                    ? SettleFailure.Error(settled, stream: true)
                    : UpstreamCall.BodyFailed(admission, deadline, charged: true);
                writer.Write(DataPrefix);
                writer.Write(error.ToJson());
                writer.Write(EventEnd);
            }
            await writer.FlushAsync(clientAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // the client went away at the very end; the usage is already recorded
        }
        return tries;
    }

    private static void StartResponse(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
    }

    private static bool IsJson(MediaTypeHeaderValue? contentType) =>
        contentType?.MediaType is { } media && (media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
}
