namespace Nemo.Gateway.Providers.Adapters.Anthropic;

/// <summary>
/// A non-streamed Anthropic message read as an OpenAI chat completion: the first read takes the whole
/// provider body (bounded) and translates it (<see cref="AnthropicCompletion"/>). A body that is not an
/// Anthropic message reads as empty, which the proxy answers as a provider's invalid response (502,
/// nothing billed) rather than passing on a shape no OpenAI client expects.
/// </summary>
internal sealed class AnthropicMessageStream(Stream inner, long created) : ReadOnlyTranslationStream(inner)
{
    /// <summary>The largest provider body read (Nemo:Gateway:MaxResponseBodyBytes' default; the proxy applies its own limit to the translation).</summary>
    public const int MaxBodyBytes = 64 * 1024 * 1024;

    private byte[]? _translated;
    private int _offset;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _translated ??= AnthropicCompletion.Translate(await ReadAllAsync(cancellationToken), created) ?? [];
        int count = Math.Min(buffer.Length, _translated.Length - _offset);
        _translated.AsSpan(_offset, count).CopyTo(buffer.Span);
        _offset += count;
        return count;
    }

    private async Task<byte[]> ReadAllAsync(CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = await Inner.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (body.Length + read > MaxBodyBytes)
                throw new InvalidDataException($"The provider's response exceeds {MaxBodyBytes} bytes.");
            body.Write(chunk, 0, read);
        }
        return body.ToArray();
    }
}
