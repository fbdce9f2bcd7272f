using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Nemo.Gateway.Errors;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Http;

/// <summary>
/// Every admin route declares who may call it, and a filter enforces it server-side before the
/// handler runs: <see cref="Members"/> (a member's key with at least a role), <see cref="Operator"/>
/// (the master key) or <see cref="Anyone"/> (signup and invitation tokens, which carry their own proof).
/// </summary>
internal static class AdminRoutes
{
    public static TBuilder Members<TBuilder>(this TBuilder builder, MemberRole minimum, string what) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            HttpContext http = context.HttpContext;
            StampRequestId(http);
            AdminAuthenticator auth = http.RequestServices.GetRequiredService<AdminAuthenticator>();
            (AdminCaller? caller, OpenAIError error) = await auth.AuthenticateMemberAsync(http);
            if (caller is null)
                return error.ToResult();
            if (caller.Role < minimum)
                return AdminErrors.RoleRequired(what, RolesFrom(minimum)).ToResult();
            caller.AttachTo(http);
            return await next(context);
        });

    public static TBuilder Operator<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            HttpContext http = context.HttpContext;
            StampRequestId(http);
            if (!http.RequestServices.GetRequiredService<AdminAuthenticator>().IsOperator(http.Request))
                return OpenAIError.Unauthorized("This route needs the operator's master key (NEMO_MASTER_KEY).").ToResult();
            AdminCaller.Operator(AdminAuthenticator.IpOf(http)).AttachTo(http);
            return await next(context);
        });

    public static TBuilder Anyone<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            StampRequestId(context.HttpContext);
            return await next(context);
        });

    private static void StampRequestId(HttpContext http) => http.Response.Headers["x-nemo-request-id"] = Guid.CreateVersion7().ToString();

    private static string RolesFrom(MemberRole minimum) => minimum switch
    {
        MemberRole.Owner => "owners",
        MemberRole.Admin => "owners and admins",
        MemberRole.Member => "owners, admins and members (not viewers)",
        _ => "members",
    };
}
