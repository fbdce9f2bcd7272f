using System.Net;
using System.Net.Http.Headers;

namespace Nemo.Gateway.Providers.Adapters;

/// <summary>
/// A provider response's content seen through a translation: reading it reads the provider's content
/// through the stream <c>translate</c> wraps around it, lazily, so a stream stays a stream. Its length is
/// unknown (the translation's differs from the provider's); disposing it disposes the provider's content.
/// </summary>
internal sealed class TranslatedContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly Func<Stream, Stream> _translate;

    public TranslatedContent(HttpContent inner, string mediaType, Func<Stream, Stream> translate)
    {
        _inner = inner;
        _translate = translate;
        Headers.ContentType = new MediaTypeHeaderValue(mediaType) { CharSet = "utf-8" };
    }

    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        _translate(await _inner.ReadAsStreamAsync(cancellationToken));

    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await using Stream translated = await CreateContentReadStreamAsync(cancellationToken);
        await translated.CopyToAsync(stream, cancellationToken);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _inner.Dispose();
        base.Dispose(disposing);
    }
}
