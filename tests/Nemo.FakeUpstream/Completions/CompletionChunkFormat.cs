using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>Streamed text_completion events: one per token, a finish chunk with empty text,
/// and the usage chunk ("choices":[]) when asked for.</summary>
internal sealed class CompletionChunkFormat(string model, bool includeUsage) : IStreamChunkFormat
{
    private readonly string _id = ResponseIds.Next("cmpl-");
    private readonly long _created = ResponseIds.Now();

    public bool HasStartChunk => false;

    public void WriteStart(Utf8JsonWriter json) => throw new NotSupportedException();

    public void WriteToken(Utf8JsonWriter json, ReadOnlySpan<byte> token)
    {
        StartChoice(json);
        json.WriteString("text", token);
        EndChoice(json, null);
    }

    public void WriteFinish(Utf8JsonWriter json, string finishReason)
    {
        StartChoice(json);
        json.WriteString("text", "");
        EndChoice(json, finishReason);
    }

    public void WriteUsage(Utf8JsonWriter json, int promptTokens, int completionTokens)
    {
        WriteHeader(json);
        json.WriteStartArray("choices");
        json.WriteEndArray();
        UsageJson.Write(json, promptTokens, completionTokens);
        json.WriteEndObject();
    }

    private void WriteHeader(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("id", _id);
        json.WriteString("object", "text_completion");
        json.WriteNumber("created", _created);
        json.WriteString("model", model);
    }

    private void StartChoice(Utf8JsonWriter json)
    {
        WriteHeader(json);
        json.WriteStartArray("choices");
        json.WriteStartObject();
    }

    private void EndChoice(Utf8JsonWriter json, string? finishReason)
    {
        json.WriteNumber("index", 0);
        json.WriteNull("logprobs");
        if (finishReason is null)
        {
            json.WriteNull("finish_reason");
        }
        else
        {
            json.WriteString("finish_reason", finishReason);
        }

        json.WriteEndObject();
        json.WriteEndArray();
        if (includeUsage)
        {
            json.WriteNull("usage");
        }

        json.WriteEndObject();
    }
}
