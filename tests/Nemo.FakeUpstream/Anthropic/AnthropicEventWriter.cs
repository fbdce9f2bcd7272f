using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>
/// Anthropic's event stream as its API sends it: <c>event: {type}</c> and <c>data: {json}</c> per event
/// — message_start (with the input usage), a ping, per content block content_block_start, its deltas
/// (text_delta one word each; input_json_delta in two fragments after an empty one) and
/// content_block_stop, then message_delta (stop reason, output usage) and message_stop. ChunkDelayMs
/// between events; the cut, end_early and stream_error modes break off after CutAfterChunks text deltas.
/// </summary>
internal sealed class AnthropicEventWriter(HttpContext context, FakeRequestSettings settings, FakeUpstreamOptions options)
{
    private readonly PipeWriter _pipe = context.Response.BodyWriter;
    private int _events;

    public async Task StreamAsync(AnthropicFakeRequest request, AnthropicAnswer answer)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["request-id"] = ResponseIds.Next("req_");

        var id = ResponseIds.Next("msg_");
        if (!await EventAsync("message_start", w =>
            {
                w.WriteStartObject("message");
                w.WriteString("id", id);
                w.WriteString("type", "message");
                w.WriteString("role", "assistant");
                w.WriteString("model", request.Model);
                w.WriteStartArray("content");
                w.WriteEndArray();
                w.WriteNull("stop_reason");
                w.WriteNull("stop_sequence");
                WriteUsage(w, options, request.InputTokens, 1);
                w.WriteEndObject();
            }))
        {
            return;
        }

        await EventAsync("content_block_start", w =>
        {
            w.WriteNumber("index", 0);
            w.WriteStartObject("content_block");
            w.WriteString("type", "text");
            w.WriteString("text", "");
            w.WriteEndObject();
        });
        await EventAsync("ping", _ => { });

        var cut = settings.Mode is FakeMode.Cut or FakeMode.EndEarly or FakeMode.StreamError;
        var words = Words(answer.Text);
        for (var i = 0; i < words.Count; i++)
        {
            if (cut && i >= settings.CutAfterChunks)
            {
                break;
            }

            var word = words[i];
            if (!await EventAsync("content_block_delta", w =>
                {
                    w.WriteNumber("index", 0);
                    w.WriteStartObject("delta");
                    w.WriteString("type", "text_delta");
                    w.WriteString("text", word);
                    w.WriteEndObject();
                }))
            {
                return;
            }
        }

        switch (settings.Mode)
        {
            case FakeMode.Cut:
                await CutDelay.BeforeAbortAsync(context);
                context.Abort();
                return;
            case FakeMode.EndEarly:
                return;
            case FakeMode.StreamError:
                await EventAsync("error", w =>
                {
                    w.WriteStartObject("error");
                    w.WriteString("type", "overloaded_error");
                    w.WriteString("message", "Overloaded (fake Anthropic)");
                    w.WriteEndObject();
                });
                return;
        }

        await EventAsync("content_block_stop", w => w.WriteNumber("index", 0));
        if (answer.ToolName is not null)
        {
            await EventAsync("content_block_start", w =>
            {
                w.WriteNumber("index", 1);
                w.WriteStartObject("content_block");
                w.WriteString("type", "tool_use");
                w.WriteString("id", answer.ToolId);
                w.WriteString("name", answer.ToolName);
                w.WriteStartObject("input");
                w.WriteEndObject();
                w.WriteEndObject();
            });
            var input = answer.ToolInput!;
            var half = input.Length / 2;
            foreach (var fragment in new[] { "", input[..half], input[half..] })
            {
                await EventAsync("content_block_delta", w =>
                {
                    w.WriteNumber("index", 1);
                    w.WriteStartObject("delta");
                    w.WriteString("type", "input_json_delta");
                    w.WriteString("partial_json", fragment);
                    w.WriteEndObject();
                });
            }

            await EventAsync("content_block_stop", w => w.WriteNumber("index", 1));
        }

        await EventAsync("message_delta", w =>
        {
            w.WriteStartObject("delta");
            w.WriteString("stop_reason", answer.StopReason);
            w.WriteNull("stop_sequence");
            w.WriteEndObject();
            w.WriteStartObject("usage");
            w.WriteNumber("output_tokens", answer.OutputTokens);
            w.WriteEndObject();
        });
        await EventAsync("message_stop", _ => { });
    }

    /// <summary>Anthropic's usage object: input_tokens excludes the cached tokens, reported beside it.</summary>
    public static void WriteUsage(Utf8JsonWriter writer, FakeUpstreamOptions options, int inputTokens, int outputTokens)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("input_tokens", inputTokens);
        writer.WriteNumber("cache_creation_input_tokens", Math.Max(0, options.CacheWriteTokens));
        writer.WriteNumber("cache_read_input_tokens", Math.Max(0, options.CacheReadTokens));
        writer.WriteNumber("output_tokens", outputTokens);
        writer.WriteEndObject();
    }

    /// <summary>Writes one event (its payload's "type" is the event name) and flushes it. False when the client is gone.</summary>
    private async Task<bool> EventAsync(string type, Action<Utf8JsonWriter> fields)
    {
        if (settings.ChunkDelayMs > 0 && _events > 0)
        {
            await Task.Delay(settings.ChunkDelayMs, context.RequestAborted);
        }

        _events++;
        _pipe.Write(Encoding.UTF8.GetBytes($"event: {type}\ndata: "));
        using (var writer = new Utf8JsonWriter(_pipe, JsonOutput.Options))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            fields(writer);
            writer.WriteEndObject();
        }

        _pipe.Write("\n\n"u8);
        var result = await _pipe.FlushAsync(context.RequestAborted);
        return !result.IsCompleted && !result.IsCanceled;
    }

    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == ' ')
            {
                words.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            words.Add(text[start..]);
        }

        return words;
    }
}
