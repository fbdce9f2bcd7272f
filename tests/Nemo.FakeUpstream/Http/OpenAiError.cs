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

    /// <summary>
    /// The "big_error" body (a 1 MiB message), built once: a provider's CPU is not the gateway's, and building it per
    /// request would make the fake, sharing the gateway's cores in the benchmark, the slow part of what is measured.
    /// </summary>
    private static readonly Lazy<ArrayBufferWriter<byte>> BigErrorBody = new(() =>
    {
        var buffer = new ArrayBufferWriter<byte>(1024 * 1024 + 256);
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            json.WriteStartObject();
            json.WriteStartObject("error");
            json.WriteString("message", new string('x', 1024 * 1024));
            json.WriteString("type", InvalidRequest);
            json.WriteNull("param");
            json.WriteString("code", "big");
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer;
    });

    public static Task BigAsync(HttpContext context) => JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, BigErrorBody.Value);

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
