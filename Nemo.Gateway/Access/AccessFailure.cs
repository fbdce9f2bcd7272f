using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Access;

/// <summary>
/// Why authentication refused an API caller, kept on the request (a feature) so the scheme's challenge
/// answers with that error in OpenAI's shape: a revoked key's 401 says it was revoked, an address over its
/// failure budget gets 429 with Retry-After, an unreachable database 503.
/// </summary>
internal sealed class AccessFailure(OpenAIError error)
{
    public OpenAIError Error { get; } = error;

    public static void Set(HttpContext context, OpenAIError error) => context.Features.Set(new AccessFailure(error));

    public static OpenAIError? Of(HttpContext context) => context.Features.Get<AccessFailure>()?.Error;
}
