using System.Text.Json;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Translation;

namespace Nemo.Gateway.Anthropic;

/// <summary>Anthropic's Messages API over the chat-completion proxy (see <see cref="MessagesApi"/>).</summary>
internal sealed class MessagesDialect : Dialect
{
    public override bool TryTranslateRequest(ReadOnlySpan<byte> json, out TranslatedRequest? translated, out byte[] error)
    {
        bool ok = MessagesRequest.TryTranslate(json, out translated, out AnthropicError invalid);
        error = ok ? [] : invalid.ToJson();
        return ok;
    }

    public override byte[] Error(OpenAIError error) => AnthropicError.From(error).ToJson();

    public override byte[] Error(int status, ReadOnlySpan<byte> openAIBody) => AnthropicError.FromOpenAIBody(status, openAIBody).ToJson();

    public override byte[] Completion(ReadOnlySpan<byte> completion, string requestId, TranslatedRequest request) =>
        MessagesResponse.Translate(completion, requestId, request.Model);

    public override IStreamTranslator Stream(string requestId, TranslatedRequest request) => new MessagesStream(requestId, request.Model);
}
