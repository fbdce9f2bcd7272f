using System.Security.Cryptography;
using System.Text;

namespace Nemo.Gateway.Providers.Adapters.Gemini;

/// <summary>
/// The ids a translated answer carries: the completion's (<c>chatcmpl-</c> and Gemini's <c>responseId</c>
/// when it is a plain token, else random) and each tool call's, derived from the completion's id and the
/// call's position, so the same answer always names its calls the same way (a stream and a retry of its
/// translation agree) without keeping any state. A provider's own call id is used when it is a plain token.
/// </summary>
internal static class GeminiIds
{
    private const int MaxProviderIdLength = 64;

    public static string Completion(string? responseId) =>
        "chatcmpl-" + (IsPlain(responseId) ? responseId : Guid.NewGuid().ToString("N"));

    public static string ToolCall(string completionId, int index, string? providerId)
    {
        if (IsPlain(providerId))
            return providerId!;
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{completionId}:{index}"));
        return "call_" + Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }

    private static bool IsPlain(string? id) =>
        id is { Length: > 0 and <= MaxProviderIdLength } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
