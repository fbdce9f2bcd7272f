using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>The JSON of each chunk of a streamed completion (chat or legacy).</summary>
internal interface IStreamChunkFormat
{
    /// <summary>True when a chunk precedes the content (the chat role chunk).</summary>
    bool HasStartChunk { get; }

    void WriteStart(Utf8JsonWriter json);

    void WriteToken(Utf8JsonWriter json, ReadOnlySpan<byte> token);

    void WriteFinish(Utf8JsonWriter json, string finishReason);

    /// <summary>The last chunk: "choices":[] and the usage.</summary>
    void WriteUsage(Utf8JsonWriter json, int promptTokens, int completionTokens);
}
