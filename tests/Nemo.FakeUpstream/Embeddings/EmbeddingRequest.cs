using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>The fields of an embeddings request the fake uses; the rest is skipped.</summary>
internal sealed class EmbeddingRequest
{
    /// <summary>The largest <c>dimensions</c> accepted.</summary>
    public const int MaxDimensions = 65536;

    public string Model { get; private set; } = "";

    public List<TextInput> Inputs { get; private set; } = [];

    public int? Dimensions { get; private set; }

    public bool Base64 { get; private set; }

    public string? User { get; private set; }

    public static EmbeddingRequest Parse(ref Utf8JsonReader reader)
    {
        var request = new EmbeddingRequest();
        string? model = null;
        List<TextInput>? inputs = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                model = JsonFields.ReadString(ref reader, "model");
            }
            else if (reader.ValueTextEquals("input"u8))
            {
                reader.Read();
                inputs = reader.TokenType == JsonTokenType.Null
                    ? null
                    : TextInputReader.Read(ref reader, "input", allowEmptyString: false);
            }
            else if (reader.ValueTextEquals("dimensions"u8))
            {
                reader.Read();
                request.Dimensions = JsonFields.ReadInt(ref reader, "dimensions") is { } dims
                    ? (dims is >= 1 and <= MaxDimensions
                        ? dims
                        : throw new FakeRequestException($"Invalid 'dimensions': {dims} is out of range 1..{MaxDimensions}.", "dimensions"))
                    : null;
            }
            else if (reader.ValueTextEquals("encoding_format"u8))
            {
                reader.Read();
                request.Base64 = JsonFields.ReadString(ref reader, "encoding_format") switch
                {
                    null or "float" => false,
                    "base64" => true,
                    var other => throw new FakeRequestException(
                        $"Invalid 'encoding_format': '{other}'. Expected 'float' or 'base64'.", "encoding_format"),
                };
            }
            else if (reader.ValueTextEquals("user"u8))
            {
                reader.Read();
                request.User = JsonFields.ReadString(ref reader, "user");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        request.Model = string.IsNullOrEmpty(model)
            ? throw new FakeRequestException("You must provide a model parameter.", "model")
            : model;
        request.Inputs = inputs ?? throw JsonFields.Missing("input");
        return request;
    }
}
