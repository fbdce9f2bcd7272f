using System.Buffers;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>Anthropic's error body, <c>{"type":"error","error":{"type","message"}}</c>, as its API sends it (also as a stream's error event).</summary>
internal static class AnthropicErrorBody
{
    public const string InvalidRequest = "invalid_request_error";

    public static void Write(Utf8JsonWriter writer, string type, string message)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "error");
        writer.WriteStartObject("error");
        writer.WriteString("type", type);
        writer.WriteString("message", message);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static Task WriteAsync(HttpContext context, int status, string type, string message)
    {
        var body = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(body, JsonOutput.Options))
        {
            Write(writer, type, message);
        }

        context.Response.Headers["request-id"] = ResponseIds.Next("req_");
        return JsonResponse.WriteAsync(context, status, body);
    }
}
