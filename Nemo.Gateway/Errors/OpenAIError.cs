using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Nemo.Gateway.Errors;

/// <summary>An error in OpenAI's shape: <c>{"error":{"message","type","code","param"}}</c>.</summary>
internal readonly record struct OpenAIError(int Status, string Type, string? Code, string Message, string? Param = null)
{
    public static OpenAIError BadRequest(string message, string? param = null, string code = "invalid_request") =>
        new(StatusCodes.Status400BadRequest, "invalid_request_error", code, message, param);

    public static OpenAIError Unauthorized(string message) =>
        new(StatusCodes.Status401Unauthorized, "invalid_request_error", "invalid_api_key", message);

    public static OpenAIError Forbidden(string message, string code = "permission_denied") =>
        new(StatusCodes.Status403Forbidden, "permission_error", code, message);

    public static OpenAIError NotFound(string message, string code = "not_found", string? param = null) =>
        new(StatusCodes.Status404NotFound, "invalid_request_error", code, message, param);

    public static OpenAIError Conflict(string message, string code = "conflict") =>
        new(StatusCodes.Status409Conflict, "invalid_request_error", code, message);

    public static OpenAIError TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, "invalid_request_error", "request_too_large",
            $"The request body exceeds the limit of {limit} bytes (Nemo:Gateway:MaxRequestBodyBytes).");

    public static OpenAIError Unavailable(string message) =>
        new(StatusCodes.Status503ServiceUnavailable, "service_unavailable", "service_unavailable", message);

    public byte[] ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", Message);
            writer.WriteString("type", Type);
            if (Code is null) writer.WriteNull("code"); else writer.WriteString("code", Code);
            if (Param is null) writer.WriteNull("param"); else writer.WriteString("param", Param);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public Task WriteAsync(HttpResponse response)
    {
        response.StatusCode = Status;
        response.ContentType = "application/json";
        byte[] body = ToJson();
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body).AsTask();
    }

    public IResult ToResult() => new ErrorResult(this);

    private sealed class ErrorResult(OpenAIError error) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => error.WriteAsync(httpContext.Response);
    }
}
