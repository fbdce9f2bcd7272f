using System.Buffers;
using System.Text.Json;

namespace Nemo.Gateway.Routing;

/// <summary>A request body with its top-level <c>model</c> replaced (a deployment's own model name, or a fallback model); every other field kept as sent.</summary>
internal static class ModelRewrite
{
    public static ReadOnlyMemory<byte> Apply(ReadOnlyMemory<byte> body, string model)
    {
        using JsonDocument document = JsonDocument.Parse(body);
        var buffer = new ArrayBufferWriter<byte>(body.Length + model.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.NameEquals("model"))
                    writer.WriteString("model", model);
                else
                    property.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenMemory;
    }
}
