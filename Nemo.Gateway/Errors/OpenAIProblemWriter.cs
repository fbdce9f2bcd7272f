using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Nemo.Gateway.Errors;

/// <summary>
/// The one writer of ASP.NET Core's problem details (<see cref="IProblemDetailsService"/>): whatever the framework
/// answers with a problem — .NET's validation of a typed admin body, a binding failure — reaches the client in
/// OpenAI's error shape like every error Nemo writes itself (<see cref="OpenAIError"/>). A validation problem names
/// its first field as <c>param</c> (snake_case, as the client sent it) with code <c>invalid_value</c>.
/// </summary>
internal sealed class OpenAIProblemWriter : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        if (Admin.Http.BodyRefusal.Of(context.HttpContext) is { } refused)
            return new ValueTask(refused.WriteAsync(context.HttpContext.Response));
        ProblemDetails problem = context.ProblemDetails;
        int status = problem.Status ?? context.HttpContext.Response.StatusCode;
        OpenAIError error = problem is HttpValidationProblemDetails { Errors.Count: > 0 } validation
            ? FromValidation(validation)
            : FromStatus(status, problem.Detail ?? problem.Title ?? "The request could not be completed.");
        return new ValueTask(error.WriteAsync(context.HttpContext.Response));
    }

    private static OpenAIError FromValidation(HttpValidationProblemDetails validation)
    {
        (string key, string[] messages) = validation.Errors.First();
        string member = key[(key.LastIndexOf('.') + 1)..];
        string? param = member.Length == 0 ? null : JsonNamingPolicy.SnakeCaseLower.ConvertName(member);
        return OpenAIError.BadRequest(messages.FirstOrDefault() ?? $"{param} has an invalid value.", param, "invalid_value");
    }

    private static OpenAIError FromStatus(int status, string message) => status switch
    {
        StatusCodes.Status400BadRequest => OpenAIError.BadRequest(message),
        StatusCodes.Status401Unauthorized => OpenAIError.Unauthorized(message),
        StatusCodes.Status403Forbidden => OpenAIError.Forbidden(message),
        StatusCodes.Status404NotFound => OpenAIError.NotFound(message),
        StatusCodes.Status409Conflict => OpenAIError.Conflict(message),
        StatusCodes.Status503ServiceUnavailable => OpenAIError.Unavailable(message),
        >= 500 => new OpenAIError(status, "server_error", "internal_error", message),
        _ => new OpenAIError(status, "invalid_request_error", null, message),
    };
}
