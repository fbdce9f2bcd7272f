using System.Buffers;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>The non-streaming text_completion body.</summary>
internal static class CompletionJson
{
    public static ArrayBufferWriter<byte> Write(string model, GenerationPlan plan, int promptTokens, bool withUsage)
    {
        var buffer = new ArrayBufferWriter<byte>(384 + (plan.Tokens * 12));
        using var json = new Utf8JsonWriter(buffer, JsonOutput.Options);
        json.WriteStartObject();
        json.WriteString("id", ResponseIds.Next("cmpl-"));
        json.WriteString("object", "text_completion");
        json.WriteNumber("created", ResponseIds.Now());
        json.WriteString("model", model);
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteString("text", LoremText.Content(plan.Tokens));
        json.WriteNumber("index", 0);
        json.WriteNull("logprobs");
        json.WriteString("finish_reason", plan.FinishReason);
        json.WriteEndObject();
        json.WriteEndArray();
        if (withUsage)
        {
            UsageJson.Write(json, promptTokens, plan.Tokens);
        }

        json.WriteEndObject();
        json.Flush();
        return buffer;
    }
}
