using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Translation;

/// <summary>
/// Another LLM API served over Nemo's OpenAI chat-completion proxy: how its requests become chat
/// completions, and how completions, stream chunks and errors become its answers. Adding an entry point
/// in another dialect means one of these and its route (<see cref="TranslatedRoute"/>), nothing in the proxy.
/// </summary>
internal abstract class Dialect
{
    /// <summary>False with a 400 body in the dialect's error shape when the request can't be translated faithfully.</summary>
    public abstract bool TryTranslateRequest(ReadOnlySpan<byte> json, out TranslatedRequest? translated, out byte[] error);

    /// <summary>Nemo's refusal or failure (OpenAI's shape) in the dialect's error shape.</summary>
    public abstract byte[] Error(OpenAIError error);

    /// <summary>An error body the proxy wrote (OpenAI's shape) in the dialect's error shape.</summary>
    public abstract byte[] Error(int status, ReadOnlySpan<byte> openAIBody);

    /// <summary>A completed, billed chat completion as the dialect's answer.</summary>
    public abstract byte[] Completion(ReadOnlySpan<byte> completion, string requestId, TranslatedRequest request);

    public abstract IStreamTranslator Stream(string requestId, TranslatedRequest request);
}
