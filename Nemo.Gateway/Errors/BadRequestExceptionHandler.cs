using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Nemo.Gateway.Errors;

/// <summary>
/// Answers a request the framework could not bind (<see cref="BadHttpRequestException"/>: a typed admin body refused,
/// a form that isn't one) through the problem writer, so it has OpenAI's error shape and its specific code rather
/// than an empty 400. Other exceptions are left to the server's default handling.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
            return false;
        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = bad.StatusCode, Detail = bad.Message },
        });
    }
}
