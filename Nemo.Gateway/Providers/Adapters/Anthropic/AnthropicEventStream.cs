using System.Buffers;
using Nemo.Gateway.Proxy;

namespace Nemo.Gateway.Providers.Adapters.Anthropic;

/// <summary>
/// An Anthropic event stream read as an OpenAI one: each read takes the next complete provider event
/// and returns its translation (<see cref="AnthropicEventTranslator"/>), so every event is passed on as
/// soon as it has arrived and the reader's idle timeout still measures the provider's silences. An
/// event with nothing to pass on (ping, content_block_stop) reads as an SSE comment line, which Nemo's
/// relay skips. The stream ends after <c>data: [DONE]</c>, or, cut, at an error event or when the
/// provider's body ends before <c>message_stop</c>.
/// </summary>
internal sealed class AnthropicEventStream(Stream inner, AnthropicEventTranslator translator) : ReadOnlyTranslationStream(inner)
{
    /// <summary>The largest single provider event accepted (as for OpenAI-shaped streams).</summary>
    private const int MaxEventBytes = 4 * 1024 * 1024;

    private static readonly byte[] KeepAlive = ":\n\n"u8.ToArray();

    private readonly SseEventReader _events = new(inner, MaxEventBytes);
    private readonly ArrayBufferWriter<byte> _pending = new(1024);
    private int _offset;
    private bool _ended;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_offset < _pending.WrittenCount)
            {
                int count = Math.Min(buffer.Length, _pending.WrittenCount - _offset);
                _pending.WrittenSpan.Slice(_offset, count).CopyTo(buffer.Span);
                _offset += count;
                return count;
            }
            if (_ended)
                return 0;
            _pending.ResetWrittenCount();
            _offset = 0;
            ReadOnlyMemory<byte>? data = await _events.ReadEventAsync(cancellationToken);
            if (data is not { } evt)
            {
                _ended = true; // the provider's body ended: complete only if message_stop came
                continue;
            }
            if (!translator.Translate(evt.Span, _pending))
                _ended = true;
            else if (_pending.WrittenCount == 0)
                _pending.Write(KeepAlive);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _events.CompleteAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _events.CompleteAsync();
        await base.DisposeAsync();
    }
}
