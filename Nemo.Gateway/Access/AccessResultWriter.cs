using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Nemo.Gateway.Access;

/// <summary>
/// Answers an API caller whose role doesn't reach a route's policy with the refusal's own error in OpenAI's
/// shape (403 <c>role_forbidden</c>, naming the roles that may; or <c>operator_key_not_allowed</c>). Everything
/// else goes to ASP.NET Core's default handling: a challenge of the policy's scheme (whose handler writes the
/// authentication failure) or the console's own not-allowed page.
/// </summary>
internal sealed class AccessResultWriter : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && !policy.AuthenticationSchemes.Contains(AccessSchemes.Console)
            && authorizeResult.AuthorizationFailure?.FailureReasons.OfType<RoleRefusal>().FirstOrDefault() is { } refusal)
            return refusal.Error.WriteAsync(context.Response);
        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
