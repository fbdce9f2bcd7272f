using System.Buffers;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>
/// What every /v1 endpoint does: count the request, check the API key, read and parse the body
/// (400 on bad JSON), then apply the latency and the error modes before the endpoint answers.
/// </summary>
internal abstract class FakeEndpoint(FakeUpstreamOptions options, FakeUpstreamStats stats, CancellationToken stopping)
{
    /// <summary>Parses the root object's properties; the reader is on its StartObject.</summary>
    protected delegate T BodyParser<out T>(ref Utf8JsonReader reader);

    protected FakeUpstreamOptions Options => options;

    protected FakeUpstreamStats Stats => stats;

    protected abstract FakeRoute Route { get; }

    public async Task HandleAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization;
        var authorization = header.Count > 0 ? header.ToString() : null;
        stats.RecordRequest(Route, authorization);
        try
        {
            if (!IsAuthorized(authorization))
            {
                stats.RecordUnauthorized();
                await OpenAiError.WriteAsync(
                    context,
                    StatusCodes.Status401Unauthorized,
                    "Incorrect API key provided. (fake upstream)",
                    OpenAiError.InvalidRequest,
                    "invalid_api_key");
                return;
            }

            await HandleCoreAsync(context);
        }
        catch (FakeRequestException e) when (!context.Response.HasStarted)
        {
            await OpenAiError.BadRequestAsync(context, e.Message, e.Param);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException && !context.Response.HasStarted
            && !context.RequestAborted.IsCancellationRequested)
        {
            await OpenAiError.BadRequestAsync(
                context,
                "We could not parse the JSON body of your request. The API expects a JSON payload. (fake upstream: "
                + e.Message + ")");
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (or the connection was cut on purpose): nothing left to answer.
        }
    }

    protected abstract Task HandleCoreAsync(HttpContext context);

    protected FakeRequestSettings Settings(HttpContext context, string? user) =>
        FakeSettingsResolver.Resolve(options, context.Request.Headers, user);

    protected static async Task<T> ReadBodyAsync<T>(HttpContext context, BodyParser<T> parser)
    {
        var result = await RequestBody.ReadAllAsync(context);
        try
        {
            return Parse(result.Buffer, parser);
        }
        finally
        {
            context.Request.BodyReader.AdvanceTo(result.Buffer.End);
        }
    }

    /// <summary>Waits LatencyMs, then answers the error and hang modes. False when the request
    /// has been answered (or abandoned) and the endpoint must not write anything.</summary>
    protected async Task<bool> BeginAsync(HttpContext context, FakeRequestSettings settings)
    {
        if (settings.LatencyMs > 0)
        {
            await Task.Delay(settings.LatencyMs, context.RequestAborted);
        }

        switch (settings.Mode)
        {
            case FakeMode.Error500:
                await OpenAiError.WriteAsync(
                    context,
                    StatusCodes.Status500InternalServerError,
                    "The server had an error while processing your request. (fake upstream)",
                    "server_error");
                return false;

            case FakeMode.Error429:
                context.Response.Headers.RetryAfter = "1";
                await OpenAiError.WriteAsync(
                    context,
                    StatusCodes.Status429TooManyRequests,
                    "Rate limit reached. Please try again in 1s. (fake upstream)",
                    "rate_limit_error",
                    "rate_limit_exceeded");
                return false;

            case FakeMode.Hang:
                await HangAsync(context);
                return false;

            case FakeMode.Error401 or FakeMode.Error403:
                await OpenAiError.WriteAsync(
                    context,
                    settings.Mode == FakeMode.Error401 ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden,
                    "Incorrect API key provided: sk-fake-provider-key. Ask http://keys.internal.example:8080/internal/keys. (fake upstream)",
                    OpenAiError.InvalidRequest,
                    "invalid_api_key");
                return false;

            case FakeMode.Redirect:
                context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
                context.Response.Headers.Location = context.Request.Path.Value;
                return false;

            case FakeMode.ErrorHang:
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                context.Response.ContentType = JsonResponse.ContentType;
                await context.Response.WriteAsync("{\"error\":{\"message\":\"", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await TokenStreamer.StallAsync(context);
                return false;

            case FakeMode.BigError:
                await OpenAiError.BigAsync(context);
                return false;

            default:
                return true;
        }
    }

    /// <summary>Sends a JSON body, or in cut mode sends the headers and then aborts the connection.</summary>
    protected static async Task SendAsync(HttpContext context, FakeRequestSettings settings, ArrayBufferWriter<byte> body)
    {
        if (settings.Mode == FakeMode.BadJson)
        {
            var half = new ArrayBufferWriter<byte>();
            half.Write(body.WrittenSpan[..(body.WrittenCount / 2)]);
            await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, half);
            return;
        }

        if (settings.Mode == FakeMode.Stall)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = JsonResponse.ContentType;
            context.Response.ContentLength = body.WrittenCount;
            await context.Response.Body.WriteAsync(body.WrittenMemory[..(body.WrittenCount / 2)], context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await TokenStreamer.StallAsync(context);
            return;
        }

        if (settings.Mode != FakeMode.Cut)
        {
            await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, body);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = JsonResponse.ContentType;
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        await CutDelay.BeforeAbortAsync(context);
        context.Abort();
    }

    private async Task HangAsync(HttpContext context)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            await Task.Delay(Timeout.Infinite, done.Token);
        }
        catch (OperationCanceledException)
        {
            // The client gave up, or the app is stopping: drop the connection without an answer.
        }

        context.Abort();
    }

    private bool IsAuthorized(string? authorization)
    {
        var key = options.RequiredApiKey;
        if (string.IsNullOrEmpty(key))
        {
            return true;
        }

        const string Bearer = "Bearer ";
        return authorization is not null
            && authorization.Length == Bearer.Length + key.Length
            && authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase)
            && authorization.AsSpan(Bearer.Length).SequenceEqual(key);
    }

    private static T Parse<T>(ReadOnlySequence<byte> body, BodyParser<T> parser)
    {
        var reader = new Utf8JsonReader(body, JsonFields.ReaderOptions);
        JsonFields.StartRoot(ref reader);
        var value = parser(ref reader);
        JsonFields.EndRoot(ref reader);
        return value;
    }
}
