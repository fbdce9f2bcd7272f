using System.Buffers;
using Nemo.Gateway.Proxy;

namespace Nemo.Gateway.Providers.Adapters.Gemini;

/// <summary>
/// A Gemini response's content as OpenAI's, translated as it is read (nothing is read before the proxy
/// reads): an event stream event by event (<see cref="GeminiChunks"/>), a whole answer
/// (<see cref="GeminiCompletion"/>) or an error body (<see cref="GeminiError"/>) once it has arrived.
/// </summary>
internal static class GeminiContent
{
    /// <summary>The largest Gemini event accepted (as Nemo's relay accepts from any provider).</summary>
    private const int MaxEventBytes = 4 * 1024 * 1024;

    /// <summary>
    /// The largest whole answer read (Nemo's default response limit): a translation needs all of it, and
    /// the proxy bounds only what it reads from the translation.
    /// </summary>
    private const int MaxBodyBytes = 64 * 1024 * 1024;

    public static HttpContent Events(HttpContent inner, string model, TimeProvider time) =>
        new TranslatedContent(inner, "text/event-stream", upstream => new EventStream(upstream, new GeminiChunks(model, time)));

    public static HttpContent Completion(HttpContent inner, string model, TimeProvider time) =>
        new TranslatedContent(inner, "application/json", upstream => new WholeBodyStream(upstream, inner.Headers.ContentLength, MaxBodyBytes,
            body => GeminiCompletion.Translate(body, model, time) ?? []));

    public static HttpContent Error(HttpContent inner, int status) =>
        new TranslatedContent(inner, "application/json", upstream => new WholeBodyStream(upstream, inner.Headers.ContentLength, UpstreamCall.MaxErrorBodyBytes,
            body => GeminiError.Translate(body, status) ?? [], tooLarge: []));

    /// <summary>A read-only stream served from translated bytes that <see cref="FillAsync"/> produces on demand.</summary>
    private abstract class TranslatedStream(Stream upstream) : ReadOnlyTranslationStream(upstream)
    {
        private readonly ArrayBufferWriter<byte> _pending = new(4096);
        private int _offset;
        private bool _ended;

        /// <summary>Adds translated bytes; false once nothing more will come.</summary>
        protected abstract ValueTask<bool> FillAsync(IBufferWriter<byte> output, CancellationToken cancellationToken);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_offset == _pending.WrittenCount && !_ended)
            {
                _pending.ResetWrittenCount();
                _offset = 0;
                _ended = !await FillAsync(_pending, cancellationToken);
            }
            int count = Math.Min(buffer.Length, _pending.WrittenCount - _offset);
            _pending.WrittenSpan.Slice(_offset, count).CopyTo(buffer.Span);
            _offset += count;
            return count;
        }
    }

    /// <summary>One Gemini event read and translated per fill, so each reaches the relay as soon as it is complete.</summary>
    private sealed class EventStream(Stream upstream, GeminiChunks chunks) : TranslatedStream(upstream)
    {
        private readonly SseEventReader _events = new(upstream, MaxEventBytes);

        protected override async ValueTask<bool> FillAsync(IBufferWriter<byte> output, CancellationToken cancellationToken)
        {
            if (await _events.ReadEventAsync(cancellationToken) is not { } data)
            {
                chunks.Complete(output);
                return false;
            }
            return chunks.Translate(data.Span, output);
        }

        public override async ValueTask DisposeAsync()
        {
            await _events.CompleteAsync(); // returns its buffers; the upstream stream is disposed by the base
            await base.DisposeAsync();
        }
    }

    /// <summary>
    /// The whole body read, then translated at once. The proxy arms its idle timeout before each read of the
    /// translation, so here it bounds the whole body; Gemini sends a non-streamed answer in one piece once
    /// generated (its headers come last), so that is the same wait in practice.
    /// </summary>
    private sealed class WholeBodyStream(Stream upstream, long? declaredLength, int limit, Func<byte[], byte[]> translate, byte[]? tooLarge = null)
        : TranslatedStream(upstream)
    {
        protected override async ValueTask<bool> FillAsync(IBufferWriter<byte> output, CancellationToken cancellationToken)
        {
            if (declaredLength > limit)
            {
                output.Write(tooLarge ?? throw new InvalidDataException($"The upstream response ({declaredLength} bytes) exceeds {limit} bytes."));
                return false;
            }
            using var body = new MemoryStream(declaredLength is long known ? (int)known : 4096);
            byte[] chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = await Inner.ReadAsync(chunk, cancellationToken)) > 0)
                {
                    if (body.Length + read > limit)
                    {
                        output.Write(tooLarge ?? throw new InvalidDataException($"The upstream response exceeds {limit} bytes."));
                        return false;
                    }
                    body.Write(chunk, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
            output.Write(translate(body.ToArray()));
            return false;
        }
    }
}
