using System.Buffers;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Routing;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Guardrails;
using Nemo.Gateway.Hosting;
using Nemo.Gateway.Keys;
using Nemo.Gateway.Policies;
using Nemo.Gateway.Providers;
using Nemo.Gateway.RequestLog;
using Nemo.Gateway.Telemetry;
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
    DeploymentRouter upstream,
    SpendRecorder spend,
    StreamRelay streams,
    GatewayOptions options,
    TokenCounter tokens,
    NemoMetrics metrics,
    RequestLogWriter requestLog,
    ContentLogWriter contentLog,
    PolicyCache policyCache,
    Nemo.Gateway.Credentials.ProviderCredentialCache credentials,
    ILogger<ProxyHandler> logger,
    TimeProvider time)
{
    public const string CustomerHeader = "x-nemo-customer-id";

    public async Task HandleAsync(HttpContext context, LlmEndpoint endpoint)
    {
        long started = time.GetTimestamp();
        Answered answered = default;
        try
        {
            answered = await HandleCoreAsync(context, endpoint, started);
        }
        finally
        {
            HttpResponse response = context.Response;
            int status = context.RequestAborted.IsCancellationRequested && !response.HasStarted ? 499 : response.StatusCode;
            TimeSpan took = time.GetElapsedTime(started);
            metrics.Request(endpoint, answered.Model, status, took, answered.Key?.OrganizationId);
            if (answered.Key is { } key && status is < 200 or >= 300)
            {
                // No usage event: the request log keeps the failure (queued; written after the response).
                requestLog.Record(new RequestFailure(answered.RequestId, key.OrganizationId, key.TeamId, key.KeyId, key.UserId, answered.Customer,
                    answered.Model?.Name, answered.ServedBy ?? answered.Model?.Provider, endpoint.UpstreamPath(), status, (long)took.TotalMilliseconds, time.GetUtcNow(),
                    answered.ErrorCode, answered.GuardrailHits, answered.Experiment?.ExperimentId, answered.Experiment?.Variant, answered.Attempts));
            }
        }
    }

    /// <summary>What the request's metrics and request log need once it is answered: what was known of it by then.</summary>
    private readonly record struct Answered(Guid RequestId, KeyEntry? Key, CatalogModel? Model = null, string? Customer = null,
        string? ErrorCode = null, Guid[]? GuardrailHits = null, ExperimentAssignment? Experiment = null, int? Attempts = null, string? ServedBy = null);

    private async ValueTask<Answered> HandleCoreAsync(HttpContext context, LlmEndpoint endpoint, long started)
    {
        Guid requestId = Guid.CreateVersion7();
        HttpResponse response = context.Response;
        string requestIdText = requestId.ToString();
        response.Headers["x-nemo-request-id"] = requestIdText;

        (KeyEntry? key, OpenAIError authError) = await authenticator.AuthenticateAsync(context);
        if (key is null)
        {
            metrics.Refused(authError.Status == StatusCodes.Status429TooManyRequests ? AuthorizeOutcome.RateLimited : AuthorizeOutcome.Unauthorized,
                authError.Code ?? "invalid_api_key");
            await authError.WriteAsync(response);
            return default;
        }
        string organizationText = key.OrganizationId.ToString();
        response.Headers["x-nemo-org-id"] = organizationText;
        // The request id links this request's logs, its trace and its usage event / request log entry.
        using IDisposable? scope = logger.BeginScope(new RequestLogScope(requestIdText, organizationText));
        if (Activity.Current is { IsAllDataRequested: true } activity)
        {
            activity.SetTag("nemo.request_id", requestIdText);
            activity.SetTag("nemo.organization_id", organizationText);
        }

        (byte[]? body, int length, OpenAIError bodyError) = await RequestBody.ReadAsync(context.Request, options.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await bodyError.WriteAsync(response);
            return new Answered(requestId, key);
        }
        try
        {
            if (!policyCache.Loaded || !credentials.Loaded)
            {
                // Only right after start-up: never serve a request without its organization's guardrails or own keys.
                try
                {
                    await Task.WhenAll(policyCache.WaitUntilLoadedAsync(context.RequestAborted), credentials.WaitUntilLoadedAsync(context.RequestAborted));
                }
                catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
                {
                    await OpenAIError.Unavailable("This gateway is starting and could not read its organizations' settings yet; retry.").WriteAsync(response);
                    return new Answered(requestId, key);
                }
            }
            // The organization's templates, experiments and guardrails (docs/API.md), from memory.
            OrganizationPolicies policies = policyCache.For(key.OrganizationId);
            bool headerValid = TryHeaderCustomer(context.Request, out string? headerCustomer, out OpenAIError headerError);
            ReadOnlyMemory<byte> clientBody = body.AsMemory(0, length);
            ExperimentAssignment? experiment = null;
            // Not skipped for an organization without templates: a chat request naming one must still get its 400.
            if (headerValid
                && !RequestRewriter.TryRewrite(policies, endpoint, clientBody, headerCustomer, requestId, out clientBody, out experiment, out OpenAIError policyError))
            {
                await policyError.WriteAsync(response);
                return new Answered(requestId, key, ErrorCode: policyError.Code);
            }
            if (!inspector.TryInspect(endpoint, clientBody, catalog, out InspectedRequest request, out CatalogModel model, out OpenAIError invalid))
            {
                await invalid.WriteAsync(response);
                return new Answered(requestId, key, Experiment: experiment);
            }
            if (!headerValid)
            {
                await headerError.WriteAsync(response);
                return new Answered(requestId, key, model);
            }
            string? customer = headerCustomer ?? request.Customer;
            var answered = new Answered(requestId, key, model, customer, Experiment: experiment);
            // Where the request may go (its own fallbacks, the organization's provider preferences) and the price
            // that covers all of it; nowhere at all is refused here: nothing reserved, no provider called.
            RoutePlan? route = request.Fallbacks is null && policies.Providers.IsEmpty ? null : new RoutePlan(request.Fallbacks, policies.Providers);
            if (!(route ?? RoutePlan.Default).TryReservationPrice(catalog, model.Name, endpoint, out Nemo.Grains.Money.ModelPrice reservationPrice))
            {
                OpenAIError refused = OpenAIError.NotFound(
                    $"No provider your organization allows serves the model '{model.Name}' or its fallbacks: each of its providers is in your organization's "
                    + "provider_preferences.ignore (GET /v1/provider-preferences). Choose another model, or ask an owner or admin to change the preferences.",
                    "no_allowed_providers", "model");
                await refused.WriteAsync(response);
                return answered with { ErrorCode = refused.Code };
            }
            IReadOnlyList<GuardrailRule>? outputRules = null;
            if (policies.Guardrails.Count > 0)
            {
                GuardrailVerdict verdict = GuardrailEvaluator.EvaluateInput(policies.Guardrails, endpoint, request.UpstreamBody, key.TeamId, key.KeyId);
                if (verdict.Hits.Count > 0)
                {
                    foreach (GuardrailRule hit in verdict.Hits)
                        metrics.GuardrailHit(hit, GuardrailStage.Input, key.OrganizationId);
                    answered = answered with { GuardrailHits = verdict.HitIds };
                }
                if (verdict.Blocked is { } blocked)
                {
                    // Refused before authorization: nothing reserved, nothing billed, the upstream never called.
                    await OpenAIError.BadRequest(
                        $"The request was blocked by guardrail {blocked.Id} ({GuardrailConfig.Name(blocked.Kind)}); change the input or ask an admin about the rule.",
                        blocked.Id.ToString(), "guardrail_violation").WriteAsync(response);
                    return answered with { ErrorCode = "guardrail_violation" };
                }
                if (verdict.Redacted is { } redacted)
                {
                    // Masks may be longer than what they replace: the prompt bound grows with the body (an exact
                    // bound is counted again: a shorter mask may still make more tokens).
                    long grown = Math.Max(0, redacted.Length - request.UpstreamBody.Length);
                    long bound = inspector.RecountPrompt(endpoint, redacted, catalog, model.Name, request.Fallbacks) ?? request.PromptTokensUpper + grown;
                    request = request with { UpstreamBody = redacted, PromptTokensUpper = bound };
                }
                if (GuardrailEvaluator.AnyFor(policies.Guardrails, GuardrailStage.Output, key.TeamId, key.KeyId))
                    outputRules = policies.Guardrails;
            }
            // Reserved at the highest price among the deployments and fallbacks that may serve it.
            long costUpper = reservationPrice.Cost(request.PromptTokensUpper, request.OutputTokensUpper);
            var admission = new Admission(requestId, key, customer, model, endpoint, request, costUpper, started,
                GuardrailHits: answered.GuardrailHits, Experiment: experiment, OutputRules: outputRules, Route: route);

            AuthorizeResult decision;
            long authorizing = time.GetTimestamp();
            try
            {
                decision = await cluster.AuthorizeAsync(
                    new AuthorizeRequest(requestId, key.OrganizationId, key.TeamId, key.KeyId, customer, model.Name, costUpper, request.TokenEstimate),
                    context.RequestAborted);
            }
            catch (ClusterUnavailableException ex)
            {
                metrics.Refused(AuthorizeOutcome.Fenced, "cluster_unavailable", time.GetElapsedTime(authorizing));
                await OpenAIError.Unavailable($"Nemo could not reach the silo that authorizes this organization: {ex.Message}").WriteAsync(response);
                return answered;
            }
            RateLimitHeaders.Write(response, decision.RateLimits);
            if (!decision.Admitted)
            {
                metrics.Refused(decision.Outcome, decision.Code, time.GetElapsedTime(authorizing));
                await WriteRefusalAsync(response, decision);
                return answered;
            }
            metrics.Admitted(time.GetElapsedTime(authorizing));
            if (decision.LogContent)
            {
                var content = new ContentCapture(options.ContentLogMaxBytes);
                content.SetRequest(body.AsSpan(0, length));
                admission = admission with { Content = content };
            }

            UpstreamTries tries = request.Stream ? await streams.RelayAsync(context, admission) : await ForwardAsync(context, admission);
            answered = answered with { Attempts = tries.Attempts, ServedBy = tries.ServedBy };
            if (admission.Content is { } kept)
                contentLog.Record(kept.Build(requestId, key.OrganizationId, time.GetUtcNow()));
            return answered;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    /// <summary>The customer header, held to the same rule as the body's customer id (one value, valid text, same length limit).</summary>
    private static bool TryHeaderCustomer(HttpRequest request, out string? customer, out OpenAIError error)
    {
        customer = null;
        error = default;
        Microsoft.Extensions.Primitives.StringValues values = request.Headers[CustomerHeader];
        if (values.Count == 0)
            return true;
        if (values.Count > 1)
        {
            error = OpenAIError.BadRequest($"Send at most one {CustomerHeader} header.", CustomerHeader, "invalid_value");
            return false;
        }
        string value = values[0] ?? "";
        if (value.Length == 0)
            return true;
        if (ClientText.Problem(value, ClientText.MaxCustomerLength) is { } problem)
        {
            error = OpenAIError.BadRequest($"The {CustomerHeader} header {problem}.", CustomerHeader, "invalid_value");
            return false;
        }
        customer = value;
        return true;
    }

    /// <summary>
    /// A non-streamed call: the whole body is read (bounded in size, each read bounded by the provider's
    /// idle timeout) before anything is sent to the client. A body that breaks off, stalls, is too large
    /// or is not JSON is a failure the client gets as 502/504 and is not charged: the reservation is
    /// released. A body without readable usage is settled at a counted figure, flagged.
    /// </summary>
    private async Task<UpstreamTries> ForwardAsync(HttpContext context, Admission admission)
    {
        HttpResponse response = context.Response;
        using var deadline = new UpstreamDeadline(context.RequestAborted, options.UpstreamTimeout, time);
        using UpstreamCall call = await UpstreamCall.StartAsync(upstream, admission, deadline);
        admission = admission with { Model = call.Served, Attempts = call.Attempts }; // settled at the price of the deployment that answered
        var tries = new UpstreamTries(call.Attempts, call.Served.Provider);
        if (await call.ReleaseIfFailedAsync(spend, admission, response, deadline))
            return tries;
        HttpResponseMessage upstreamResponse = call.Response!;

        byte[] payload;
        try
        {
            payload = await ReadBoundedAsync(upstreamResponse.Content, options.MaxResponseBodyBytes, admission, deadline);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException or InvalidDataException)
        {
            // The client received nothing: nothing is charged (the provider's cost is Nemo's to dispute).
            await spend.ReleaseAsync(admission);
            if (!deadline.ClientGone)
            {
                OpenAIError failure = ex is InvalidDataException
                    ? UpstreamCall.BadResponse($"a response larger than Nemo:Gateway:MaxResponseBodyBytes ({options.MaxResponseBodyBytes} bytes)")
                    : UpstreamCall.BodyFailed(admission, deadline, charged: false);
                await failure.WriteAsync(response);
            }
            return tries;
        }
        if (!UsageReader.IsValidJson(payload))
        {
            await spend.ReleaseAsync(admission);
            await UpstreamCall.BadResponse("a response that is not valid JSON").WriteAsync(response);
            return tries;
        }

        UsageReport usage = UsageReader.Read(payload, completionRequired: admission.Endpoint != LlmEndpoint.Embeddings);
        UsageFlags flags = usage.DetailsUnreadable ? UsageFlags.UsageUnreadable : UsageFlags.None;
        long prompt = usage.PromptTokens, completion = usage.CompletionTokens;
        if (!usage.IsReported)
        {
            flags = UsageFlags.Estimated | (usage.Status == UsageStatus.Unreadable ? UsageFlags.UsageUnreadable : 0);
            prompt = Math.Min(admission.Request.PromptTokensUpper, tokens.CountPrompt(admission.Endpoint, admission.Request.UpstreamBody));
            completion = Math.Min(admission.Request.OutputTokensUpper, TokenCounter.CountOutput(payload));
        }
        GuardrailRule? outputBlock = null;
        if (admission.OutputRules is { } outputRules)
        {
            // Output guardrails on a non-streamed answer: block withholds it (the provider's tokens are still
            // billed: they were produced), redact masks it for the client, flag records the hit.
            GuardrailVerdict verdict = GuardrailEvaluator.EvaluateOutput(outputRules, admission.Endpoint, payload, admission.Key.TeamId, admission.Key.KeyId);
            if (verdict.Hits.Count > 0)
            {
                foreach (GuardrailRule hit in verdict.Hits)
                    metrics.GuardrailHit(hit, GuardrailStage.Output, admission.Key.OrganizationId);
                admission = admission with { GuardrailHits = [.. (admission.GuardrailHits ?? []).Union(verdict.HitIds)] };
            }
            outputBlock = verdict.Blocked;
            if (outputBlock is null && verdict.Redacted is { } redacted)
                payload = redacted;
        }
        SettleResult settled = await spend.SettleAsync(admission, usage.IsReported ? usage.Tokens : new Nemo.Grains.Money.TokenUsage(prompt, completion), flags,
            outputBlock is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
        if (settled != SettleResult.Billed)
        {
            await SettleFailure.Error(settled, stream: false).WriteAsync(response);
            return tries;
        }
        if (outputBlock is not null)
        {
            await OpenAIError.BadRequest(
                $"The answer was withheld by guardrail {outputBlock.Id} ({GuardrailConfig.Name(outputBlock.Kind)}); its tokens were billed.",
                outputBlock.Id.ToString(), "guardrail_violation").WriteAsync(response);
            return tries;
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = upstreamResponse.Content.Headers.ContentType?.ToString() ?? "application/json";
        response.ContentLength = payload.Length;
        admission.Content?.AddResponse(payload);
        await response.Body.WriteAsync(payload, context.RequestAborted);
        return tries;
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, long limit, Admission admission, UpstreamDeadline deadline)
    {
        if (content.Headers.ContentLength is long declared && declared > limit)
            throw new InvalidDataException($"The upstream response ({declared} bytes) exceeds Nemo:Gateway:MaxResponseBodyBytes ({limit}).");
        deadline.Arm(admission.Model.Timeouts.Idle, "its next bytes");
        await using Stream stream = await content.ReadAsStreamAsync(deadline.Token);
        if (content.Headers.ContentLength is long exact)
            return await ReadExactAsync(stream, (int)exact, admission, deadline);
        using var buffer = new MemoryStream(4096);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                deadline.Arm(admission.Model.Timeouts.Idle, "its next bytes");
                int read = await stream.ReadAsync(chunk, deadline.Token);
                if (read == 0)
                    break;
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

    /// <summary>
    /// A body of declared length, read straight into an array of that size (no growing buffer, no copy). Fewer bytes
    /// than declared is a cut (HttpClient throws); more is refused as HttpClient would.
    /// </summary>
    private static async Task<byte[]> ReadExactAsync(Stream stream, int length, Admission admission, UpstreamDeadline deadline)
    {
        byte[] payload = new byte[length];
        int filled = 0;
        while (filled < length)
        {
            deadline.Arm(admission.Model.Timeouts.Idle, "its next bytes");
            int read = await stream.ReadAsync(payload.AsMemory(filled), deadline.Token);
            if (read == 0)
                throw new IOException($"The upstream response ended after {filled} of its {length} declared bytes.");
            filled += read;
        }
        return payload;
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
