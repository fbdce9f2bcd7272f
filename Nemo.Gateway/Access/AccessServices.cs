using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Nemo.Gateway.Access;

/// <summary>
/// Registers who may do what: the key and master-key authentication schemes, the role and operator policies and
/// the writer of their refusals. There is no default scheme: only routes whose policy names a scheme
/// authenticate, so the LLM routes (which authenticate from the in-memory key cache) pay nothing here.
/// </summary>
internal static class AccessServices
{
    public static IServiceCollection AddNemoAccess(this IServiceCollection services)
    {
        services.AddSingleton<MasterKey>();
        services.AddAuthentication(options => options.DefaultScheme = null)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(AccessSchemes.ApiKey, null)
            .AddScheme<MasterKeySchemeOptions, MasterKeyAuthenticationHandler>(AccessSchemes.Operator, options => options.Browser = false)
            .AddScheme<MasterKeySchemeOptions, MasterKeyAuthenticationHandler>(AccessSchemes.OperatorBrowser, options => options.Browser = true);
        services.AddAuthorization(AccessPolicies.Add);
        services.AddSingleton<IAuthorizationHandler, RoleAuthorizationHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AccessResultWriter>();
        return services;
    }

    public static WebApplication UseNemoAccess(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
