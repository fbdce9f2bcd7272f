using Microsoft.AspNetCore.Authorization;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Access;

/// <summary>
/// The authorization policies: one per role, built from the same <see cref="RoleRequirement"/> for the admin
/// API (a member's key) and for the console (a session cookie), and one for the operator (the master key).
/// A policy names the scheme of its surface, so a browser's session cookie never authenticates an API call
/// (no cross-site request can use it there) and a key never opens a console page.
/// </summary>
internal static class AccessPolicies
{
    public const string ApiViewer = "api:viewer";
    public const string ApiMember = "api:member";
    public const string ApiAdmin = "api:admin";
    public const string ApiOwner = "api:owner";

    public const string ConsoleViewer = "console:viewer";
    public const string ConsoleMember = "console:member";
    public const string ConsoleAdmin = "console:admin";
    public const string ConsoleOwner = "console:owner";

    public const string Operator = "operator";
    public const string OperatorBrowser = "operator:browser";

    public static string Api(MemberRole minimum) => minimum switch
    {
        MemberRole.Owner => ApiOwner,
        MemberRole.Admin => ApiAdmin,
        MemberRole.Member => ApiMember,
        _ => ApiViewer,
    };

    public static string Console(MemberRole minimum) => minimum switch
    {
        MemberRole.Owner => ConsoleOwner,
        MemberRole.Admin => ConsoleAdmin,
        MemberRole.Member => ConsoleMember,
        _ => ConsoleViewer,
    };

    public static void Add(AuthorizationOptions options)
    {
        foreach (MemberRole role in (ReadOnlySpan<MemberRole>)[MemberRole.Viewer, MemberRole.Member, MemberRole.Admin, MemberRole.Owner])
        {
            AddRole(options, Api(role), AccessSchemes.ApiKey, role);
            AddRole(options, Console(role), AccessSchemes.Console, role);
        }
        AddOperator(options, Operator, AccessSchemes.Operator);
        AddOperator(options, OperatorBrowser, AccessSchemes.OperatorBrowser);
    }

    private static void AddRole(AuthorizationOptions options, string name, string scheme, MemberRole minimum) =>
        options.AddPolicy(name, policy => policy
            .AddAuthenticationSchemes(scheme)
            .RequireAuthenticatedUser()
            .AddRequirements(new RoleRequirement(minimum)));

    private static void AddOperator(AuthorizationOptions options, string name, string scheme) =>
        options.AddPolicy(name, policy => policy
            .AddAuthenticationSchemes(scheme)
            .RequireClaim(AccessClaims.Operator));
}
