using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Providers.Adapters.Gemini;

/// <summary>
/// A request Gemini can't serve faithfully: a 400 naming the parameter, thrown while translating and
/// caught by <see cref="GeminiRequest"/> (so the translation reads straight through, and checking a
/// request is translating it).
/// </summary>
internal sealed class GeminiRefusal(string param, string message, string code = "unsupported_parameter") : Exception(message)
{
    public OpenAIError Error { get; } = OpenAIError.BadRequest(
        $"{message} (this model is served by Google Gemini, which has no faithful equivalent).", param, code);

    public static GeminiRefusal Value(string param, string message) => new(param, message, "unsupported_value");
}
