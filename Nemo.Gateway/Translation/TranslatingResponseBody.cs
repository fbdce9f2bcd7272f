using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Nemo.Gateway.Proxy;

namespace Nemo.Gateway.Translation;

/// <summary>
/// The response body of a request in another dialect while Nemo's OpenAI proxy writes it: an event stream
/// is translated event by event as the relay flushes it (so nothing is held back), and a JSON body
/// (a completion or an error) is held until the proxy is done and then written once, translated.
/// Swapping the body feature keeps the proxy — its billing, its ordering of settle before the last
/// byte — exactly as it is for OpenAI clients.
/// </summary>
internal sealed class TranslatingResponseBody(HttpContext context, IHttpResponseBodyFeature inner, Dialect dialect, TranslatedRequest request) : Stream, IHttpResponseBodyFeature
{
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();

    private readonly ArrayBufferWriter<byte> _pending = new();
    private MemoryStream? _json;
    private IStreamTranslator? _events;
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
                body = dialect.Completion(_json.GetBuffer().AsSpan(0, (int)_json.Length), RequestId, request);
            }
            catch (System.Text.Json.JsonException)
            {
                // Not expected: the proxy sends only JSON its reader validated, and translations read with the same
                // limits. Kept so that a translation bug answers in the dialect's shape instead of resetting the stream.
                response.StatusCode = StatusCodes.Status502BadGateway;
                body = dialect.Error(UpstreamCall.BadResponse("a response that could not be translated"));
            }
        }
        else
        {
            body = dialect.Error(response.StatusCode, _json.GetBuffer().AsSpan(0, (int)_json.Length));
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
                _events = dialect.Stream(RequestId, request);
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
