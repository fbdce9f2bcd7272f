using System.Buffers;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>
/// <c>POST /v1/messages</c>, Anthropic's Messages API on the wire: <c>x-api-key</c> (checked when
/// RequiredApiKey is set; 401 authentication_error otherwise) and a required <c>anthropic-version</c>
/// header, a strictly validated body (<see cref="AnthropicFakeRequest"/>), a <c>message</c> or the
/// event stream (message_start, content_block_start/delta/stop, ping, message_delta, message_stop),
/// usage with cache_read_input_tokens / cache_creation_input_tokens from the options. Overrides come
/// from <c>metadata.user_id</c> (<c>"fake:mode=cut"</c>, where a gateway puts OpenAI's <c>user</c>) or the
/// <c>x-fake-*</c> headers. Modes: error500 (500 api_error), error429 (429 rate_limit_error),
/// error401/error403, hang, cut (the stream is aborted after CutAfterChunks text deltas; a message after
/// its headers), end_early (the stream ends cleanly before message_stop), stream_error (the stream sends
/// CutAfterChunks deltas, then an overloaded_error event), overloaded (529 overloaded_error).
/// </summary>
internal sealed class AnthropicMessagesEndpoint(FakeUpstreamOptions options, FakeUpstreamStats stats, CancellationToken stopping)
{
    public const string Path = "/v1/messages";

    public async Task HandleAsync(HttpContext context)
    {
        string? key = context.Request.Headers["x-api-key"] is [{ Length: > 0 } k] ? k : null;
        stats.RecordRequest(FakeRoute.Messages, key);
        try
        {
            if (!string.IsNullOrEmpty(options.RequiredApiKey) && key != options.RequiredApiKey)
            {
                stats.RecordUnauthorized();
                await AnthropicErrorBody.WriteAsync(context, StatusCodes.Status401Unauthorized, "authentication_error", "invalid x-api-key");
                return;
            }

            if (context.Request.Headers["anthropic-version"] is not [{ Length: > 0 } version])
            {
                await AnthropicErrorBody.WriteAsync(context, StatusCodes.Status400BadRequest, AnthropicErrorBody.InvalidRequest, "anthropic-version: header is required");
                return;
            }

            var body = await RequestBody.ReadAllAsync(context);
            AnthropicFakeRequest request;
            try
            {
                using var document = JsonDocument.Parse(body.Buffer);
                stats.RecordAnthropic(document.RootElement.GetRawText(), version);
                request = AnthropicFakeRequest.Parse(document.RootElement);
            }
            finally
            {
                context.Request.BodyReader.AdvanceTo(body.Buffer.End);
            }

            stats.RecordModel(request.Model);
            var settings = FakeSettingsResolver.Resolve(options, context.Request.Headers, request.UserId);
            if (settings.LatencyMs > 0)
            {
                await Task.Delay(settings.LatencyMs, context.RequestAborted);
            }

            if (await AnswerErrorModeAsync(context, settings))
            {
                return;
            }

            var answer = AnthropicAnswer.For(request, settings.CompletionTokens);
            if (request.Stream)
            {
                await new AnthropicEventWriter(context, settings, options).StreamAsync(request, answer);
                return;
            }

            await SendMessageAsync(context, settings, request, answer);
        }
        catch (FakeRequestException e) when (!context.Response.HasStarted)
        {
            await AnthropicErrorBody.WriteAsync(context, StatusCodes.Status400BadRequest, AnthropicErrorBody.InvalidRequest, e.Message);
        }
        catch (JsonException e) when (!context.Response.HasStarted)
        {
            await AnthropicErrorBody.WriteAsync(context, StatusCodes.Status400BadRequest, AnthropicErrorBody.InvalidRequest, "There was an issue with your request body: " + e.Message);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested || stopping.IsCancellationRequested)
        {
            // The client went away (or the connection was cut on purpose).
        }
    }

    private async Task<bool> AnswerErrorModeAsync(HttpContext context, FakeRequestSettings settings)
    {
        switch (settings.Mode)
        {
            case FakeMode.Error500:
                await AnthropicErrorBody.WriteAsync(context, StatusCodes.Status500InternalServerError, "api_error", "Internal server error (fake Anthropic)");
                return true;
            case FakeMode.Overloaded:
                await AnthropicErrorBody.WriteAsync(context, 529, "overloaded_error", "Overloaded (fake Anthropic)");
                return true;
            case FakeMode.Error429:
                context.Response.Headers.RetryAfter = "1";
                await AnthropicErrorBody.WriteAsync(context, StatusCodes.Status429TooManyRequests, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit (fake Anthropic)");
                return true;
            case FakeMode.Error401:
                await AnthropicErrorBody.WriteAsync(context, StatusCodes.Status401Unauthorized, "authentication_error", "invalid x-api-key sk-ant-fake-provider-key (fake Anthropic)");
                return true;
            case FakeMode.Error403:
                await AnthropicErrorBody.WriteAsync(context, StatusCodes.Status403Forbidden, "permission_error", "Your API key does not have permission to use the specified resource. (fake Anthropic)");
                return true;
            case FakeMode.Hang:
                using (var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping))
                {
                    try
                    {
                        await Task.Delay(Timeout.Infinite, done.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }

                context.Abort();
                return true;
            default:
                return false;
        }
    }

    private async Task SendMessageAsync(HttpContext context, FakeRequestSettings settings, AnthropicFakeRequest request, AnthropicAnswer answer)
    {
        var body = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(body, JsonOutput.Options))
        {
            writer.WriteStartObject();
            writer.WriteString("id", ResponseIds.Next("msg_"));
            writer.WriteString("type", "message");
            writer.WriteString("role", "assistant");
            writer.WriteString("model", request.Model);
            writer.WriteStartArray("content");
            if (answer.Text.Length > 0)
            {
                writer.WriteStartObject();
                writer.WriteString("type", "text");
                writer.WriteString("text", answer.Text);
                writer.WriteEndObject();
            }

            if (answer.ToolName is not null)
            {
                writer.WriteStartObject();
                writer.WriteString("type", "tool_use");
                writer.WriteString("id", answer.ToolId);
                writer.WriteString("name", answer.ToolName);
                writer.WritePropertyName("input");
                writer.WriteRawValue(answer.ToolInput!);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("stop_reason", answer.StopReason);
            writer.WriteNull("stop_sequence");
            AnthropicEventWriter.WriteUsage(writer, options, request.InputTokens, answer.OutputTokens);
            writer.WriteEndObject();
        }

        context.Response.Headers["request-id"] = ResponseIds.Next("req_");
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
}
