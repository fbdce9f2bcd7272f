using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>
/// Gemini's native API: <c>POST /v1beta/models/{model}:generateContent</c> (one JSON answer) and
/// <c>:streamGenerateContent?alt=sse</c> (events <c>data: {GenerateContentResponse}</c> separated by CRLF,
/// one token each, the last with the finish reason; no [DONE]; without alt=sse, the events as one JSON
/// array, as Gemini sends). The key is read from <c>x-goog-api-key</c>: without one the answer is 403
/// PERMISSION_DENIED, with a wrong one 400 INVALID_ARGUMENT / API_KEY_INVALID, as Gemini answers.
/// The answer is lorem ipsum text (<see cref="FakeUpstreamOptions.CompletionTokens"/>, limited by
/// maxOutputTokens less the thinking tokens, then finishReason MAX_TOKENS) or a function call (see
/// <see cref="GeminiRequest"/>), counted as 5 tokens. The modes apply: error500, error429, error401/403, hang, cut, end_early, stall, no_usage.
/// </summary>
internal sealed class GeminiEndpoint(FakeUpstreamOptions options, FakeUpstreamStats stats, CancellationToken stopping)
{
    public const string Route = FakeRoutePaths.GeminiModels + "/{target}";

    private const int FunctionCallTokens = 5;

    public async Task HandleAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization;
        stats.RecordRequest(FakeRoute.GeminiGenerateContent, header.Count > 0 ? header.ToString() : null);
        string? apiKey = context.Request.Headers["x-goog-api-key"] is [{ } key] ? key : null;
        stats.RecordGemini(apiKey, context.Request.Path + context.Request.QueryString);
        try
        {
            await HandleCoreAsync(context, apiKey);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (or the connection was cut on purpose).
        }
    }

    private async Task HandleCoreAsync(HttpContext context, string? apiKey)
    {
        string target = context.Request.RouteValues["target"] as string ?? "";
        int colon = target.LastIndexOf(':');
        string model = colon > 0 ? target[..colon] : "";
        string method = colon > 0 ? target[(colon + 1)..] : "";
        if (method is not ("generateContent" or "streamGenerateContent"))
        {
            await GeminiJson.WriteErrorAsync(context, StatusCodes.Status404NotFound, "NOT_FOUND", $"models/{target} is not found for API version v1beta, or is not supported.");
            return;
        }
        if (!string.IsNullOrEmpty(options.RequiredApiKey))
        {
            if (apiKey is null)
            {
                stats.RecordUnauthorized();
                await GeminiJson.WriteErrorAsync(context, StatusCodes.Status403Forbidden, "PERMISSION_DENIED",
                    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
                return;
            }
            if (apiKey != options.RequiredApiKey)
            {
                stats.RecordUnauthorized();
                await GeminiJson.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", "API_KEY_INVALID");
                return;
            }
        }

        GeminiRequest request;
        var body = await RequestBody.ReadAllAsync(context);
        try
        {
            stats.RecordGeminiRequest(Encoding.UTF8.GetString(body.Buffer));
            stats.RecordModel(model);
            var reader = new Utf8JsonReader(body.Buffer);
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            request = GeminiRequest.Parse(document.RootElement);
        }
        catch (JsonException e)
        {
            await GeminiJson.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "INVALID_ARGUMENT", "Invalid JSON payload received. " + e.Message);
            return;
        }
        catch (GeminiFakeException e)
        {
            await GeminiJson.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "INVALID_ARGUMENT", e.Message);
            return;
        }
        finally
        {
            context.Request.BodyReader.AdvanceTo(body.Buffer.End);
        }

        var settings = FakeSettingsResolver.Resolve(options, context.Request.Headers, null);
        if (settings.LatencyMs > 0)
            await Task.Delay(settings.LatencyMs, context.RequestAborted);
        switch (settings.Mode)
        {
            case FakeMode.Error500:
                await GeminiJson.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, "INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting");
                return;
            case FakeMode.Error429:
                await GeminiJson.WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).");
                return;
            case FakeMode.Error401 or FakeMode.Error403:
                await GeminiJson.WriteErrorAsync(context, StatusCodes.Status403Forbidden, "PERMISSION_DENIED", "Permission denied: Consumer 'api_key:AIza-fake-provider-key' has been suspended.");
                return;
            case FakeMode.Hang:
                using (var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping))
                    await Task.Delay(Timeout.Infinite, done.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                context.Abort();
                return;
        }

        // As with Gemini, thinking counts against maxOutputTokens: it comes first, the text gets the rest.
        int thoughts = Math.Min(options.GeminiThoughtsTokens, request.MaxOutputTokens ?? int.MaxValue);
        var plan = request.FunctionToCall is null
            ? GenerationPlan.Create(settings.CompletionTokens, request.MaxOutputTokens - thoughts)
            : new GenerationPlan(FunctionCallTokens, "stop");
        string finishReason = plan.FinishReason == "length" ? "MAX_TOKENS" : "STOP";
        int cached = Math.Min(options.GeminiCachedTokens, request.PromptTokens);
        bool withUsage = settings.Mode != FakeMode.NoUsage;
        GeminiUsage? Usage(int candidates) => withUsage ? new GeminiUsage(request.PromptTokens, candidates, cached, thoughts) : null;
        string responseId = ResponseIds.Next("gemini-");

        if (method == "streamGenerateContent")
        {
            await StreamAsync(context, settings, model, responseId, request.FunctionToCall, plan, finishReason, Usage);
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.Options))
            GeminiJson.WriteResponse(json, model, responseId, LoremText.Content(plan.Tokens), request.FunctionToCall, finishReason, Usage(plan.Tokens));
        if (settings.Mode == FakeMode.Cut)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = JsonResponse.ContentType;
            await context.Response.StartAsync(context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await CutDelay.BeforeAbortAsync(context);
            context.Abort();
            return;
        }
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, buffer);
    }

    /// <summary>One event per token (a function call is one event), the last carrying the finish reason; cut, end_early and stall stop after CutAfterChunks events.</summary>
    private async Task StreamAsync(HttpContext context, FakeRequestSettings settings, string model, string responseId, string? functionCall,
        GenerationPlan plan, string finishReason, Func<int, GeminiUsage?> usage)
    {
        bool sse = context.Request.Query["alt"] == "sse";
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = sse ? "text/event-stream" : JsonResponse.ContentType;
        response.Headers.CacheControl = "no-cache";
        var pipe = response.BodyWriter;
        int events = functionCall is null ? Math.Max(1, plan.Tokens) : 1;
        bool cuts = settings.Mode is FakeMode.Cut or FakeMode.EndEarly or FakeMode.Stall;
        if (!sse)
            pipe.Write("["u8);
        for (int i = 0; i < events; i++)
        {
            if (cuts && i >= settings.CutAfterChunks)
                break;
            if (i > 0 && settings.ChunkDelayMs > 0)
                await Task.Delay(settings.ChunkDelayMs, context.RequestAborted);
            bool last = i == events - 1;
            pipe.Write(sse ? "data: "u8 : i > 0 ? ",\r\n"u8 : ""u8);
            using (var json = new Utf8JsonWriter(pipe, JsonOutput.Options))
            {
                ReadOnlySpan<byte> text = plan.Tokens == 0 ? ""u8 : LoremText.Token(i);
                int candidates = functionCall is null ? Math.Min(plan.Tokens, i + 1) : plan.Tokens;
                GeminiJson.WriteResponse(json, model, responseId, text, functionCall, last ? finishReason : null, usage(candidates));
            }
            if (sse)
                pipe.Write("\r\n\r\n"u8);
            var flushed = await pipe.FlushAsync(context.RequestAborted);
            if (flushed.IsCompleted || flushed.IsCanceled)
                return;
        }
        switch (settings.Mode)
        {
            case FakeMode.Cut:
                await CutDelay.BeforeAbortAsync(context);
                context.Abort();
                return;
            case FakeMode.Stall:
                await TokenStreamer.StallAsync(context);
                return;
        }
        if (!sse && settings.Mode != FakeMode.EndEarly)
        {
            pipe.Write("]"u8);
            await pipe.FlushAsync(context.RequestAborted);
        }
    }
}
