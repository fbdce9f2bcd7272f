using System.Buffers;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>Writes OpenAI's error body: {"error":{"message","type","param","code"}}.</summary>
internal static class OpenAiError
{
    public const string InvalidRequest = "invalid_request_error";

    public static Task WriteAsync(HttpContext context, int status, string message, string type, string? code = null, string? param = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            json.WriteStartObject();
            json.WriteStartObject("error");
            json.WriteString("message", message);
            json.WriteString("type", type);
            WriteNullable(json, "param", param);
            WriteNullable(json, "code", code);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return JsonResponse.WriteAsync(context, status, buffer);
    }

    public static Task BadRequestAsync(HttpContext context, string message, string? param = null) =>
        WriteAsync(context, StatusCodes.Status400BadRequest, message, InvalidRequest, null, param);

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
