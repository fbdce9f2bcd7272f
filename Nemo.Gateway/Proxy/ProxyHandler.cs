using System.Buffers;
using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Hosting;
using Nemo.Gateway.Keys;
using Nemo.Gateway.Providers;
using Nemo.Grains.Spend;
using Nemo.Cluster.Calls;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// One LLM request, in the order docs/ARCHITECTURE.md ("The request path") gives: resolve the key (memory), validate and bound the request,
/// authorize on the organization's silo (one hop), forward, settle, and only then complete the response.
/// Expected outcomes (refusals, upstream failures) are written as OpenAI errors, not thrown.
/// </summary>
internal sealed class ProxyHandler(
    KeyAuthenticator authenticator,
    ModelCatalog catalog,
    RequestInspector inspector,
    OrganizationCalls cluster,
    UpstreamHttp upstream,
    SpendRecorder spend,
    StreamRelay streams,
    GatewayOptions options,
    TimeProvider time)
{
    public const string CustomerHeader = "x-nemo-customer-id";

    public async Task HandleAsync(HttpContext context, LlmEndpoint endpoint)
    {
        long started = time.GetTimestamp();
        Guid requestId = Guid.CreateVersion7();
        HttpResponse response = context.Response;
        response.Headers["x-nemo-request-id"] = requestId.ToString();

        (KeyEntry? key, OpenAIError authError) = await authenticator.AuthenticateAsync(context);
        if (key is null)
        {
            await authError.WriteAsync(response);
            return;
        }
        response.Headers["x-nemo-org-id"] = key.OrganizationId.ToString();

        (byte[]? body, int length, OpenAIError bodyError) = await RequestBody.ReadAsync(context.Request, options.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await bodyError.WriteAsync(response);
            return;
        }
        try
        {
            if (!inspector.TryInspect(endpoint, body.AsMemory(0, length), catalog, out InspectedRequest request, out CatalogModel model, out OpenAIError invalid))
            {
                await invalid.WriteAsync(response);
                return;
            }
            string? customer = context.Request.Headers[CustomerHeader].ToString() is { Length: > 0 and <= 256 } header ? header : request.Customer;
            long costUpper = model.Price.Cost(request.PromptTokensUpper, request.OutputTokensUpper);
            var admission = new Admission(requestId, key, customer, model, endpoint, request, costUpper, started);

            AuthorizeResult decision;
            try
            {
                decision = await cluster.AuthorizeAsync(
                    new AuthorizeRequest(requestId, key.OrganizationId, key.TeamId, key.KeyId, customer, model.Name, costUpper, request.TokenEstimate),
                    context.RequestAborted);
            }
            catch (ClusterUnavailableException ex)
            {
                await OpenAIError.Unavailable($"Nemo could not reach the silo that authorizes this organization: {ex.Message}").WriteAsync(response);
                return;
            }
            RateLimitHeaders.Write(response, decision.RateLimits);
            if (!decision.Admitted)
            {
                await WriteRefusalAsync(response, decision);
                return;
            }

            if (request.Stream)
                await streams.RelayAsync(context, admission);
            else
                await ForwardAsync(context, admission);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    private async Task ForwardAsync(HttpContext context, Admission admission)
    {
        HttpResponse response = context.Response;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(options.UpstreamTimeout);
        using UpstreamCall call = await UpstreamCall.StartAsync(upstream, admission, timeout.Token, context.RequestAborted);
        if (await call.ReleaseIfFailedAsync(spend, admission, response, options.MaxResponseBodyBytes))
            return;
        HttpResponseMessage upstreamResponse = call.Response!;

        byte[] payload;
        try
        {
            payload = await ReadBoundedAsync(upstreamResponse.Content, options.MaxResponseBodyBytes, timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException or InvalidDataException)
        {
            // Tokens may have been produced: settle at the upper bound, flagged, and report the failure.
            await spend.SettleAsync(admission, admission.Request.PromptTokensUpper, admission.Request.OutputTokensUpper,
                UsageFlags.Estimated | UsageFlags.StreamCut | (context.RequestAborted.IsCancellationRequested ? UsageFlags.ClientAborted : 0), StatusCodes.Status502BadGateway);
            if (!context.RequestAborted.IsCancellationRequested)
                await UpstreamCall.BodyFailed(ex is OperationCanceledException).WriteAsync(response);
            return;
        }

        UsageFlags flags = UsageFlags.None;
        if (!UsageReader.TryRead(payload, out long prompt, out long completion))
        {
            flags = UsageFlags.Estimated;
            prompt = admission.Request.PromptTokensUpper;
            completion = admission.Request.OutputTokensUpper;
        }
        if (!await spend.SettleAsync(admission, prompt, completion, flags, StatusCodes.Status200OK))
        {
            await OpenAIError.Unavailable("The response could not be delivered because its usage could not be recorded; retry the request.").WriteAsync(response);
            return;
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = upstreamResponse.Content.Headers.ContentType?.ToString() ?? "application/json";
        response.ContentLength = payload.Length;
        await response.Body.WriteAsync(payload, context.RequestAborted);
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, long limit, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is long declared && declared > limit)
            throw new InvalidDataException($"The upstream response ({declared} bytes) exceeds Nemo:Gateway:MaxResponseBodyBytes ({limit}).");
        await using Stream stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream(content.Headers.ContentLength is long known ? (int)known : 4096);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                    throw new InvalidDataException($"The upstream response exceeds Nemo:Gateway:MaxResponseBodyBytes ({limit}).");
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.ToArray();
    }

    private static Task WriteRefusalAsync(HttpResponse response, AuthorizeResult decision)
    {
        string message = decision.Message ?? "The request was refused.";
        OpenAIError error = decision.Outcome switch
        {
            AuthorizeOutcome.Unauthorized => OpenAIError.Unauthorized(message),
            AuthorizeOutcome.Forbidden => OpenAIError.Forbidden(message, decision.Code ?? "permission_denied"),
            AuthorizeOutcome.PaymentRequired => new OpenAIError(StatusCodes.Status402PaymentRequired, "insufficient_quota", decision.Code ?? "insufficient_quota", message),
            AuthorizeOutcome.RateLimited => new OpenAIError(StatusCodes.Status429TooManyRequests, "rate_limit_error", decision.Code ?? "rate_limit_exceeded", message),
            _ => OpenAIError.Unavailable(message),
        };
        if (decision.Outcome == AuthorizeOutcome.RateLimited)
            RateLimitHeaders.WriteRetryAfter(response, decision.RetryAfterMs);
        return error.WriteAsync(response);
    }
}
