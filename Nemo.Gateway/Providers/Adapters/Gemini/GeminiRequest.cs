using System.Buffers;
using System.Text.Json;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Providers.Adapters.Gemini;

/// <summary>
/// An OpenAI chat-completion request as Gemini's <c>GenerateContentRequest</c>: <c>contents</c> and
/// <c>systemInstruction</c> from the messages (<see cref="GeminiMessages"/>), <c>tools</c> and
/// <c>toolConfig</c> (<see cref="GeminiTools"/>), <c>generationConfig</c> (<see cref="GeminiParameters"/>).
/// Checking a request is translating it: what can't be translated faithfully is refused with a 400
/// naming the parameter, so the check (before authorization) and the translation (per attempt) can't
/// disagree. The <c>model</c> and <c>stream</c> fields are not in the body: Gemini takes them from the URL.
/// </summary>
internal static class GeminiRequest
{
    /// <summary>Why the request can't be sent to Gemini faithfully, or null.</summary>
    public static OpenAIError? Check(JsonElement request)
    {
        try
        {
            Write(request, new ArrayBufferWriter<byte>(1024));
            return null;
        }
        catch (GeminiRefusal refusal)
        {
            return refusal.Error;
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses to decode a lone surrogate escape ("\ud800") in a field Nemo reads.
            return OpenAIError.BadRequest("The request holds text that is not valid Unicode (a lone surrogate).", "messages", "invalid_value");
        }
    }

    /// <summary>The Gemini body of a request that passed <see cref="Check"/>.</summary>
    public static byte[] Translate(ReadOnlyMemory<byte> openAIBody)
    {
        using JsonDocument document = JsonDocument.Parse(openAIBody, new JsonDocumentOptions { MaxDepth = 128 });
        var buffer = new ArrayBufferWriter<byte>(openAIBody.Length + 256);
        Write(document.RootElement, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(JsonElement request, IBufferWriter<byte> output)
    {
        GeminiParameters.Check(request);
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        GeminiMessages.Write(request.GetProperty("messages"), writer);
        GeminiTools.Write(request, writer);
        GeminiParameters.WriteGenerationConfig(request, writer);
        writer.WriteEndObject();
    }
}
