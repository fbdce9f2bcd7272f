using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Hosting;
using Nemo.Grains.Spend;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// Streams an upstream SSE response through as it arrives, reading the usage chunk on the way (Nemo
/// always asks for it; a client that didn't ask doesn't get it). The final <c>data: [DONE]</c> is held
/// back until the settle is durable. If the stream breaks off or the provider sends no usage, the
/// request is settled at a counted figure — the output bytes seen, an upper bound of the tokens —
/// flagged, never at zero; the client then gets an error event instead of <c>[DONE]</c>.
/// </summary>
internal sealed class StreamRelay(UpstreamHttp upstream, SpendRecorder spend, GatewayOptions options)
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public async Task RelayAsync(HttpContext context, Admission admission)
    {
        HttpResponse response = context.Response;
        CancellationToken clientAborted = context.RequestAborted;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(clientAborted);
        timeout.CancelAfter(options.UpstreamTimeout);
        using UpstreamCall call = await UpstreamCall.StartAsync(upstream, admission, timeout.Token, clientAborted);
        if (await call.ReleaseIfFailedAsync(spend, admission, response, options.MaxResponseBodyBytes))
            return;
        HttpResponseMessage upstreamResponse = call.Response!;

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        PipeWriter writer = response.BodyWriter;

        bool sawDone = false, sawUsage = false;
        long prompt = 0, completion = 0, outputBytes = 0;
        UsageFlags flags = UsageFlags.None;
        bool timedOut = false;
        await using (Stream stream = await upstreamResponse.Content.ReadAsStreamAsync(timeout.Token))
        {
            var events = new SseEventReader(stream);
            try
            {
                while (await events.ReadEventAsync(timeout.Token) is { } data)
                {
                    if (data.Span.SequenceEqual("[DONE]"u8))
                    {
                        sawDone = true;
                        break;
                    }
                    if (UsageReader.TryRead(data.Span, out long p, out long c))
                    {
                        (prompt, completion, sawUsage) = (p, c, true);
                        if (!admission.Request.ClientWantsUsage && UsageReader.HasEmptyChoices(data.Span))
                            continue;
                    }
                    else
                    {
                        outputBytes += UsageReader.CountChoiceBytes(data.Span);
                    }
                    writer.Write(DataPrefix);
                    writer.Write(data.Span);
                    writer.Write(EventEnd);
                    FlushResult flushed = await writer.FlushAsync(clientAborted);
                    if (flushed.IsCanceled || flushed.IsCompleted)
                        throw new OperationCanceledException(clientAborted);
                }
            }
            catch (OperationCanceledException) when (clientAborted.IsCancellationRequested)
            {
                flags |= UsageFlags.ClientAborted;
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                flags |= UsageFlags.StreamCut;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                flags |= clientAborted.IsCancellationRequested ? UsageFlags.ClientAborted : UsageFlags.StreamCut;
            }
            finally
            {
                await events.CompleteAsync();
            }
        }

        bool complete = sawDone || sawUsage;
        if (!complete && flags == UsageFlags.None)
            flags |= UsageFlags.StreamCut; // the upstream closed without [DONE]
        if (!sawUsage)
        {
            flags |= UsageFlags.Estimated;
            prompt = admission.Request.PromptTokensUpper;
            completion = Math.Min(admission.Request.OutputTokensUpper, outputBytes);
        }
        bool settled = await spend.SettleAsync(admission, prompt, completion, flags, StatusCodes.Status200OK);
        if (clientAborted.IsCancellationRequested)
            return;
        try
        {
            if (settled && complete)
            {
                writer.Write(Done);
            }
            else
            {
                OpenAIError error = !settled
                    ? OpenAIError.Unavailable("The stream could not be completed because its usage could not be recorded.")
                    : UpstreamCall.BodyFailed(timedOut);
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
    }
}
