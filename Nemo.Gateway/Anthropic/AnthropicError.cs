using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Anthropic;

/// <summary>An error in Anthropic's shape: <c>{"type":"error","error":{"type","message"}}</c>, typed by HTTP status as Anthropic's API does.</summary>
internal readonly record struct AnthropicError(int Status, string Message)
{
    public static AnthropicError Invalid(string message) => new(StatusCodes.Status400BadRequest, message);

    /// <summary>Anthropic's error type for an HTTP status.</summary>
    public string Type => Status switch
    {
        400 => "invalid_request_error",
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 or 529 => "overloaded_error",
        499 => "invalid_request_error",
        _ when Status >= 500 => "api_error",
        _ => "invalid_request_error",
    };

    /// <summary>The same failure as Nemo's OpenAI-shaped error (its code kept in the message for support).</summary>
    public static AnthropicError From(OpenAIError error) => new(error.Status, error.Code is null ? error.Message : $"{error.Message} ({error.Code})");

    /// <summary>Reads Nemo's OpenAI-shaped error body; anything else keeps the status with a generic message.</summary>
    public static AnthropicError FromOpenAIBody(int status, ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out JsonElement error) && error.ValueKind == JsonValueKind.Object)
            {
                string message = error.TryGetProperty("message", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "The request failed.";
                string? code = error.TryGetProperty("code", out JsonElement c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                return new AnthropicError(status, code is null ? message : $"{message} ({code})");
            }
        }
        catch (JsonException)
        {
        }
        return new AnthropicError(status, $"The request failed with status {status}.");
    }

    public byte[] ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "error");
            writer.WriteStartObject("error");
            writer.WriteString("type", Type);
            writer.WriteString("message", Message);
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
}
