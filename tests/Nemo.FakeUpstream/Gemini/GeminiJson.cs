using System.Buffers;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>The token figures of a Gemini answer's <c>usageMetadata</c>.</summary>
internal readonly record struct GeminiUsage(int Prompt, int Candidates, int Cached, int Thoughts);

/// <summary>
/// Gemini's wire JSON: a <c>GenerateContentResponse</c> (a whole answer or one stream event) and the
/// error body <c>{"error":{"code","message","status"[,"details"]}}</c>. Zero counts are left out of
/// <c>usageMetadata</c>, as Gemini does.
/// </summary>
internal static class GeminiJson
{
    public static void WriteResponse(Utf8JsonWriter json, string model, string responseId, ReadOnlySpan<byte> text, string? functionCall,
        string? finishReason, GeminiUsage? usage)
    {
        json.WriteStartObject();
        json.WriteStartArray("candidates");
        json.WriteStartObject();
        json.WriteStartObject("content");
        json.WriteStartArray("parts");
        json.WriteStartObject();
        if (functionCall is not null)
        {
            json.WriteStartObject("functionCall");
            json.WriteString("name", functionCall);
            json.WriteStartObject("args");
            json.WriteString("query", "lorem ipsum");
            json.WriteNumber("limit", 3);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        else
        {
            json.WriteString("text", text);
        }
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteString("role", "model");
        json.WriteEndObject();
        if (finishReason is not null)
            json.WriteString("finishReason", finishReason);
        json.WriteNumber("index", 0);
        json.WriteEndObject();
        json.WriteEndArray();
        if (usage is { } u)
        {
            json.WriteStartObject("usageMetadata");
            json.WriteNumber("promptTokenCount", u.Prompt);
            if (u.Candidates > 0)
                json.WriteNumber("candidatesTokenCount", u.Candidates);
            json.WriteNumber("totalTokenCount", u.Prompt + u.Candidates + u.Thoughts);
            if (u.Cached > 0)
                json.WriteNumber("cachedContentTokenCount", u.Cached);
            if (u.Thoughts > 0)
                json.WriteNumber("thoughtsTokenCount", u.Thoughts);
            json.WriteStartArray("promptTokensDetails");
            json.WriteStartObject();
            json.WriteString("modality", "TEXT");
            json.WriteNumber("tokenCount", u.Prompt);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteString("modelVersion", model);
        json.WriteString("responseId", responseId);
        json.WriteEndObject();
    }

    public static Task WriteErrorAsync(HttpContext context, int status, string grpcStatus, string message, string? reason = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            json.WriteStartObject();
            json.WriteStartObject("error");
            json.WriteNumber("code", status);
            json.WriteString("message", message);
            json.WriteString("status", grpcStatus);
            if (reason is not null)
            {
                json.WriteStartArray("details");
                json.WriteStartObject();
                json.WriteString("@type", "type.googleapis.com/google.rpc.ErrorInfo");
                json.WriteString("reason", reason);
                json.WriteString("domain", "googleapis.com");
                json.WriteEndObject();
                json.WriteEndArray();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return JsonResponse.WriteAsync(context, status, buffer);
    }
}
