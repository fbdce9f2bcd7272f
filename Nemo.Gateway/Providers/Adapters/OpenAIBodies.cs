using System.Net.Http.Headers;

namespace Nemo.Gateway.Providers.Adapters;

/// <summary>Request content for a JSON body, without copying it.</summary>
internal static class OpenAIBodies
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    public static HttpContent Json(ReadOnlyMemory<byte> body)
    {
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = JsonType;
        return content;
    }
}
