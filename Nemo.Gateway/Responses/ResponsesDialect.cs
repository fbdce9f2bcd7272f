using Nemo.Gateway.Errors;
using Nemo.Gateway.Translation;

namespace Nemo.Gateway.Responses;

/// <summary>The OpenAI Responses API over the chat-completion proxy. Errors keep OpenAI's shape, which the Responses API shares.</summary>
internal sealed class ResponsesDialect(TimeProvider time) : Dialect
{
    public override bool TryTranslateRequest(ReadOnlySpan<byte> json, out TranslatedRequest? translated, out byte[] error)
    {
        bool ok = ResponsesRequest.TryTranslate(json, out translated, out OpenAIError invalid);
        error = ok ? [] : invalid.ToJson();
        return ok;
    }

    public override byte[] Error(OpenAIError error) => error.ToJson();

    public override byte[] Error(int status, ReadOnlySpan<byte> openAIBody) => openAIBody.ToArray();

    public override byte[] Completion(ReadOnlySpan<byte> completion, string requestId, TranslatedRequest request) =>
        ResponsesResult.Translate(completion, Draft(requestId, request));

    public override IStreamTranslator Stream(string requestId, TranslatedRequest request) => new ResponsesStream(Draft(requestId, request));

    private ResponseDraft Draft(string requestId, TranslatedRequest request) =>
        new(requestId, request.Model, (ResponsesEcho)request.State!, time.GetUtcNow().ToUnixTimeSeconds());
}
