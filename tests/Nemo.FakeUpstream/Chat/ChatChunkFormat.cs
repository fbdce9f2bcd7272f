using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>chat.completion.chunk events. When usage was asked for, every chunk before the
/// usage chunk carries "usage":null, as OpenAI does.</summary>
internal sealed class ChatChunkFormat(string model, bool includeUsage, string? usageLiteral = null, UsageDetails details = default) : IStreamChunkFormat
{
    private readonly string _id = ResponseIds.Next("chatcmpl-");
    private readonly long _created = ResponseIds.Now();

    public bool HasStartChunk => true;

    public void WriteStart(Utf8JsonWriter json)
    {
        StartChoice(json);
        json.WriteStartObject("delta");
        json.WriteString("role", "assistant");
        json.WriteString("content", "");
        json.WriteEndObject();
        EndChoice(json, null);
    }

    public void WriteToken(Utf8JsonWriter json, ReadOnlySpan<byte> token)
    {
        StartChoice(json);
        json.WriteStartObject("delta");
        json.WriteString("content", token);
        json.WriteEndObject();
        EndChoice(json, null);
    }

    public void WriteFinish(Utf8JsonWriter json, string finishReason)
    {
        StartChoice(json);
        json.WriteStartObject("delta");
        json.WriteEndObject();
        EndChoice(json, finishReason);
    }

    public void WriteUsage(Utf8JsonWriter json, int promptTokens, int completionTokens)
    {
        WriteHeader(json);
        json.WriteStartArray("choices");
        json.WriteEndArray();
        UsageJson.Write(json, promptTokens, completionTokens, usageLiteral, details);
        json.WriteEndObject();
    }

    private void WriteHeader(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("id", _id);
        json.WriteString("object", "chat.completion.chunk");
        json.WriteNumber("created", _created);
        json.WriteString("model", model);
        json.WriteString("system_fingerprint", ChatCompletionJson.SystemFingerprint);
    }

    private void StartChoice(Utf8JsonWriter json)
    {
        WriteHeader(json);
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
    }

    private void EndChoice(Utf8JsonWriter json, string? finishReason)
    {
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
