using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Admin.Http;

/// <summary>The admin API's recurring errors, worded to say what to change.</summary>
internal static class AdminErrors
{
    public static OpenAIError RoleRequired(string what, string roles) =>
        OpenAIError.Forbidden($"Only {roles} can {what}; ask an owner to change your role.", "role_forbidden");

    public static OpenAIError NotFound(string kind, string id, string? param = null) =>
        OpenAIError.NotFound($"No {kind} '{id}' in this organization.", $"{kind.Replace(' ', '_')}_not_found", param);

    public static OpenAIError Gone(string message, string code) =>
        new(StatusCodes.Status410Gone, "invalid_request_error", code, message);

    public static OpenAIError TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, "invalid_request_error", "request_too_large",
            $"The request body exceeds the admin API's limit of {limit} bytes (Nemo:Admin:MaxBodyBytes); send less at once.");

    public static OpenAIError Unsupported(string message) =>
        new(StatusCodes.Status415UnsupportedMediaType, "invalid_request_error", "unsupported_media_type", message);
}
