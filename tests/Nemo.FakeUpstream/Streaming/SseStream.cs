using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>Writes server-sent events "data: {json}\n\n" straight into the response pipe and
/// flushes after each one.</summary>
internal sealed class SseStream : IDisposable
{
    public const string ContentType = "text/event-stream";

    private readonly HttpContext _context;
    private readonly PipeWriter _pipe;
    private readonly Utf8JsonWriter _json;

    public SseStream(HttpContext context)
    {
        _context = context;
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-cache";
        _pipe = response.BodyWriter;
        _json = new Utf8JsonWriter(_pipe, JsonOutput.Options);
    }

    /// <summary>Starts an event and returns the writer for its JSON payload.</summary>
    public Utf8JsonWriter BeginEvent()
    {
        _pipe.Write("data: "u8);
        _json.Reset(_pipe);
        return _json;
    }

    /// <summary>Ends the event and flushes it. False when the client is gone.</summary>
    public ValueTask<bool> EndEventAsync()
    {
        _json.Flush();
        _pipe.Write("\n\n"u8);
        return FlushAsync();
    }

    /// <summary>Writes "data: [DONE]\n\n" and flushes it.</summary>
    public ValueTask<bool> WriteDoneAsync()
    {
        _pipe.Write("data: [DONE]\n\n"u8);
        return FlushAsync();
    }

    public void Dispose() => _json.Dispose();

    private async ValueTask<bool> FlushAsync()
    {
        var result = await _pipe.FlushAsync(_context.RequestAborted);
        return !result.IsCompleted && !result.IsCanceled;
    }
}
