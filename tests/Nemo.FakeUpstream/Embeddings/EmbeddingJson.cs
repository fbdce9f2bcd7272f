using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>The embeddings list body, with float arrays or base64 of little-endian float32.</summary>
internal static class EmbeddingJson
{
    public static ArrayBufferWriter<byte> Write(EmbeddingRequest request, int dimensions, bool withUsage)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + (request.Inputs.Count * dimensions * 12));
        var vector = new float[dimensions];
        var bytes = request.Base64 ? new byte[dimensions * sizeof(float)] : [];
        long tokens = 0;

        using var json = new Utf8JsonWriter(buffer, JsonOutput.Options);
        json.WriteStartObject();
        json.WriteString("object", "list");
        json.WriteStartArray("data");
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            var input = request.Inputs[i];
            tokens += input.Tokens;
            EmbeddingVectors.Fill(input.Hash, vector);

            json.WriteStartObject();
            json.WriteString("object", "embedding");
            json.WriteNumber("index", i);
            if (request.Base64)
            {
                for (var d = 0; d < vector.Length; d++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(d * sizeof(float)), vector[d]);
                }

                json.WriteBase64String("embedding", bytes);
            }
            else
            {
                json.WriteStartArray("embedding");
                foreach (var value in vector)
                {
                    json.WriteNumberValue(value);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteString("model", request.Model);
        if (withUsage)
        {
            var promptTokens = (int)Math.Clamp(tokens, 1, int.MaxValue);
            json.WriteStartObject("usage");
            json.WriteNumber("prompt_tokens", promptTokens);
            json.WriteNumber("total_tokens", promptTokens);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.Flush();
        return buffer;
    }
}
