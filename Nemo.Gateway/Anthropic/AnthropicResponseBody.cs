using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Nemo.Gateway.Anthropic;

/// <summary>
/// The response body of a <c>/v1/messages</c> request while Nemo's OpenAI proxy writes it: an event stream
/// is translated event by event as the relay flushes it (so nothing is held back), and a JSON body
/// (a completion or an error) is held until the proxy is done and then written once, translated.
/// Swapping the body feature keeps the proxy — its billing, its ordering of settle before the last
/// byte — exactly as it is for OpenAI clients.
/// </summary>
internal sealed class AnthropicResponseBody(HttpContext context, IHttpResponseBodyFeature inner, string model) : Stream, IHttpResponseBodyFeature
{
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();

    private readonly ArrayBufferWriter<byte> _pending = new();
    private MemoryStream? _json;
    private MessagesStream? _events;
    private PipeWriter? _writer;

    Stream IHttpResponseBodyFeature.Stream => this;

    public PipeWriter Writer => _writer ??= PipeWriter.Create(this, new StreamPipeWriterOptions(leaveOpen: true));

    public void DisableBuffering() => inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask; // the translated body starts it

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The Anthropic translation sends no files.");

    public async Task CompleteAsync()
    {
        if (_writer is not null)
            await _writer.FlushAsync();
    }

    /// <summary>After the proxy: flushes what it wrote and, for a JSON body, writes its translation.</summary>
    public async Task FinishAsync()
    {
        await CompleteAsync();
        if (_events is not null || _json is null)
            return;
        HttpResponse response = context.Response;
        byte[] body;
        if (response.StatusCode == StatusCodes.Status200OK)
        {
            try
            {
                body = MessagesResponse.Translate(_json.GetBuffer().AsSpan(0, (int)_json.Length), RequestId, model);
            }
            catch (System.Text.Json.JsonException)
            {
                response.StatusCode = StatusCodes.Status502BadGateway;
                body = new AnthropicError(502, "The provider's response could not be translated to Anthropic's shape.").ToJson();
            }
        }
        else
        {
            body = AnthropicError.FromOpenAIBody(response.StatusCode, _json.GetBuffer().AsSpan(0, (int)_json.Length)).ToJson();
        }
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        await inner.Stream.WriteAsync(body, context.RequestAborted);
    }

    private string RequestId => context.Response.Headers["x-nemo-request-id"].ToString();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_events is null && _json is null)
        {
            if (context.Response.ContentType?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true)
                _events = new MessagesStream(RequestId, model);
            else
                _json = new MemoryStream();
        }
        if (_json is not null)
        {
            _json.Write(buffer.Span);
            return;
        }
        _pending.Write(buffer.Span);
        var output = new ArrayBufferWriter<byte>();
        TranslateCompleteEvents(output);
        if (output.WrittenCount > 0)
            await inner.Stream.WriteAsync(output.WrittenMemory, cancellationToken);
    }

    /// <summary>Translates every complete event in the pending bytes (the relay writes <c>data: …\n\n</c>) and keeps the rest.</summary>
    private void TranslateCompleteEvents(ArrayBufferWriter<byte> output)
    {
        ReadOnlySpan<byte> pending = _pending.WrittenSpan;
        int consumed = 0;
        while (true)
        {
            int end = pending[consumed..].IndexOf(EventEnd);
            if (end < 0)
                break;
            ReadOnlySpan<byte> evt = pending.Slice(consumed, end);
            consumed += end + EventEnd.Length;
            if (evt.StartsWith(DataPrefix))
                _events!.Translate(evt[DataPrefix.Length..], output);
        }
        if (consumed == 0)
            return;
        byte[] rest = pending[consumed..].ToArray();
        _pending.Clear();
        _pending.Write(rest);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Synchronous writes are not allowed.");

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        _events is not null ? inner.Stream.FlushAsync(cancellationToken) : Task.CompletedTask;

    public override void Flush() => throw new NotSupportedException("Synchronous flushes are not allowed.");

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
