using System.Buffers;

namespace Nemo.Gateway.Translation;

/// <summary>Turns the <c>data:</c> payloads Nemo's stream relay sends (chunks, <c>[DONE]</c>, Nemo's error event) into a dialect's events.</summary>
internal interface IStreamTranslator
{
    void Translate(ReadOnlySpan<byte> data, IBufferWriter<byte> output);
}
