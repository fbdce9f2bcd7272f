using System.Buffers;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>The non-streaming chat.completion body.</summary>
internal static class ChatCompletionJson
{
    public const string SystemFingerprint = "fp_fake";

    public static ArrayBufferWriter<byte> Write(string model, GenerationPlan plan, int promptTokens, bool withUsage, string? usageLiteral = null, string? content = null,
        UsageDetails details = default)
    {
        var buffer = new ArrayBufferWriter<byte>(512 + (plan.Tokens * 12));
        using var json = new Utf8JsonWriter(buffer, JsonOutput.Options);
        json.WriteStartObject();
        json.WriteString("id", ResponseIds.Next("chatcmpl-"));
        json.WriteString("object", "chat.completion");
        json.WriteNumber("created", ResponseIds.Now());
        json.WriteString("model", model);
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        json.WriteStartObject("message");
        json.WriteString("role", "assistant");
        if (content is null)
        {
            json.WriteString("content", LoremText.Content(plan.Tokens));
        }
        else
        {
            json.WriteString("content", content);
        }
        json.WriteNull("refusal");
        json.WriteEndObject();
        json.WriteNull("logprobs");
        json.WriteString("finish_reason", plan.FinishReason);
        json.WriteEndObject();
        json.WriteEndArray();
        if (withUsage)
        {
            UsageJson.Write(json, promptTokens, plan.Tokens, usageLiteral, details);
        }

        json.WriteString("system_fingerprint", SystemFingerprint);
        json.WriteEndObject();
        json.Flush();
        return buffer;
    }
}
