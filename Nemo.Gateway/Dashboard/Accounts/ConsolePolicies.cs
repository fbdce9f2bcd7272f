using Microsoft.AspNetCore.Authorization;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Dashboard.Accounts;

/// <summary>
/// One authorization policy per role (a role includes the ones below it), on the console's cookie
/// scheme. Pages and form actions carry them; a hidden button is convenience, the policy is the check,
/// and the admin stores then apply their own rules (owner-only changes, last owner) to the same caller.
/// </summary>
internal static class ConsolePolicies
{
    public const string Viewer = "console:viewer";
    public const string Member = "console:member";
    public const string Admin = "console:admin";
    public const string Owner = "console:owner";

    public static void Add(AuthorizationOptions options)
    {
        Add(options, Viewer, MemberRole.Viewer);
        Add(options, Member, MemberRole.Member);
        Add(options, Admin, MemberRole.Admin);
        Add(options, Owner, MemberRole.Owner);
    }

    private static void Add(AuthorizationOptions options, string name, MemberRole minimum) =>
        options.AddPolicy(name, policy => policy
            .AddAuthenticationSchemes(ConsoleAuth.Scheme)
            .RequireAuthenticatedUser()
            .RequireAssertion(context => ConsoleAuth.RoleOf(context.User) is { } role && role >= minimum));
}
