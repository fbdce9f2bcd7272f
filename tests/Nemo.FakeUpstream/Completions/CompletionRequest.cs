using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>The fields of a legacy completion request the fake uses; the rest is skipped.</summary>
internal sealed class CompletionRequest
{
    public string Model { get; private set; } = "";

    public int? MaxTokens { get; private set; }

    public bool Stream { get; private set; }

    public bool IncludeUsage { get; private set; }

    public string? User { get; private set; }

    /// <summary>Sum over prompts of ceil(UTF-8 bytes / 4) (or token-array length), at least 1.</summary>
    public int PromptTokens { get; private set; } = 1;

    public static CompletionRequest Parse(ref Utf8JsonReader reader)
    {
        var request = new CompletionRequest();
        string? model = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                model = JsonFields.ReadString(ref reader, "model");
            }
            else if (reader.ValueTextEquals("prompt"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Null)
                {
                    long tokens = 0;
                    foreach (var input in TextInputReader.Read(ref reader, "prompt", allowEmptyString: true))
                    {
                        tokens += input.Tokens;
                    }

                    request.PromptTokens = (int)Math.Clamp(tokens, 1, int.MaxValue);
                }
            }
            else if (reader.ValueTextEquals("max_tokens"u8))
            {
                reader.Read();
                request.MaxTokens = JsonFields.ReadMaxTokens(ref reader, "max_tokens");
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                reader.Read();
                request.Stream = JsonFields.ReadBool(ref reader, "stream") ?? false;
            }
            else if (reader.ValueTextEquals("stream_options"u8))
            {
                reader.Read();
                request.IncludeUsage = JsonFields.ReadIncludeUsage(ref reader);
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
        return request;
    }
}
