using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nemo.Gateway.Access;
using Nemo.Gateway.Errors;
using Nemo.Grains.Tenancy;
using Nemo.Cluster.Calls;

namespace Nemo.Gateway.Admin.Http;

/// <summary>
/// Every admin route declares who may call it: <see cref="Members"/> (a member's key with at least a role,
/// through the <see cref="AccessPolicies"/> the console shares), <see cref="Operator"/> (the master key) or
/// <see cref="Anyone"/> (signup and invitation tokens, which carry their own proof). Authentication and the
/// role check run in ASP.NET Core's authorization middleware before the handler. A filter then refuses
/// invalid text in route and query values (400) and turns an unreachable database or silo into a 503 in
/// OpenAI's shape.
/// </summary>
internal static class AdminRoutes
{
    public static TBuilder Members<TBuilder>(this TBuilder builder, MemberRole minimum, string what) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(AccessPolicies.Api(minimum)).WithMetadata(new RoleDescription(what)).Guarded();

    public static TBuilder Operator<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(AccessPolicies.Operator).Guarded();

    public static TBuilder Anyone<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AllowAnonymous().Guarded();

    private static TBuilder Guarded<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter((context, next) => GuardedAsync(context, () => next(context)));

    /// <summary>
    /// Runs a route's checks and handler: route and query values must be valid text (<see cref="ValidText"/>),
    /// and infrastructure failures become 503s in OpenAI's shape.
    /// A mutation commits before its grains are refreshed, so when the silo can't be reached the change may
    /// already be saved: the message says so, and every admin mutation is safe to retry (the retry
    /// refreshes the grains).
    /// </summary>
    private static async ValueTask<object?> GuardedAsync(EndpointFilterInvocationContext context, Func<ValueTask<object?>> run)
    {
        HttpContext http = context.HttpContext;
        StampRequestId(http);
        if (!ValidText.Check(http.Request, out OpenAIError textError))
            return textError.ToResult();
        try
        {
            return await run();
        }
        catch (ClusterUnavailableException ex)
        {
            AdminLog.ClusterUnavailable(Logger(http), ex);
            return OpenAIError.Unavailable(
                "The cluster could not be reached to apply this at once; the change may already be saved. Retry the request (it is safe to repeat).").ToResult();
        }
        catch (Exception ex) when (DatabaseFailure.IsUnreachable(ex, http.RequestAborted))
        {
            AdminLog.DatabaseUnavailable(Logger(http), ex);
            return OpenAIError.Unavailable("The database could not be reached and the request was not completed; retry it.").ToResult();
        }
    }

    private static ILogger Logger(HttpContext http) => http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Nemo.Gateway.Admin");

    private static void StampRequestId(HttpContext http) => http.Response.Headers["x-nemo-request-id"] = Guid.CreateVersion7().ToString();
}
