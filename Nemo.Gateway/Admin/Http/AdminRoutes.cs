using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nemo.Gateway.Errors;
using Nemo.Grains.Tenancy;
using Nemo.Cluster.Calls;
using Npgsql;

namespace Nemo.Gateway.Admin.Http;

/// <summary>
/// Every admin route declares who may call it, and a filter enforces it server-side before the
/// handler runs: <see cref="Members"/> (a member's key with at least a role), <see cref="Operator"/>
/// (the master key) or <see cref="Anyone"/> (signup and invitation tokens, which carry their own proof).
/// The filters also refuse invalid text in route and query values (400) and turn an unreachable
/// database or silo into a 503 in OpenAI's shape, authentication included.
/// </summary>
internal static class AdminRoutes
{
    public static TBuilder Members<TBuilder>(this TBuilder builder, MemberRole minimum, string what) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter((context, next) => GuardedAsync(context, async () =>
        {
            HttpContext http = context.HttpContext;
            AdminAuthenticator auth = http.RequestServices.GetRequiredService<AdminAuthenticator>();
            (AdminCaller? caller, OpenAIError error) = await auth.AuthenticateMemberAsync(http);
            if (caller is null)
                return error.ToResult();
            if (caller.Role < minimum)
                return AdminErrors.RoleRequired(what, RolesFrom(minimum)).ToResult();
            caller.AttachTo(http);
            return await next(context);
        }));

    public static TBuilder Operator<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter((context, next) => GuardedAsync(context, async () =>
        {
            HttpContext http = context.HttpContext;
            if (!http.RequestServices.GetRequiredService<AdminAuthenticator>().IsOperator(http.Request))
                return OpenAIError.Unauthorized("This route needs the operator's master key (NEMO_MASTER_KEY).").ToResult();
            AdminCaller.Operator(AdminAuthenticator.IpOf(http)).AttachTo(http);
            return await next(context);
        }));

    public static TBuilder Anyone<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter((context, next) => GuardedAsync(context, () => next(context)));

    /// <summary>
    /// Runs a route's checks and handler: route and query values must be valid text (<see cref="ValidText"/>),
    /// and infrastructure failures — authentication's key lookup included — become 503s in OpenAI's shape.
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
        catch (Exception ex) when (DatabaseUnreachable(ex, http))
        {
            AdminLog.DatabaseUnavailable(Logger(http), ex);
            return OpenAIError.Unavailable("The database could not be reached and the request was not completed; retry it.").ToResult();
        }
    }

    /// <summary>
    /// Npgsql's connection, I/O and timeout failures (and a pool exhausted while the server doesn't answer);
    /// not a statement the server refused, which is a bug to surface. A cancelled request isn't one.
    /// </summary>
    private static bool DatabaseUnreachable(Exception ex, HttpContext http) => ex switch
    {
        PostgresException { IsTransient: false } => false,
        NpgsqlException => true,
        TimeoutException => true,
        OperationCanceledException when !http.RequestAborted.IsCancellationRequested && ex.InnerException is NpgsqlException or TimeoutException => true,
        _ => false,
    };

    private static ILogger Logger(HttpContext http) => http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Nemo.Gateway.Admin");

    private static void StampRequestId(HttpContext http) => http.Response.Headers["x-nemo-request-id"] = Guid.CreateVersion7().ToString();

    private static string RolesFrom(MemberRole minimum) => minimum switch
    {
        MemberRole.Owner => "owners",
        MemberRole.Admin => "owners and admins",
        MemberRole.Member => "owners, admins and members (not viewers)",
        _ => "members",
    };
}
