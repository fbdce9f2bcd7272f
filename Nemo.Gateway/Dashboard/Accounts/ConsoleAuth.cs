using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Nemo.Gateway.Admin.Http;
using Nemo.Grains.Tenancy;
using Nemo.Persistence.Database;

namespace Nemo.Gateway.Dashboard.Accounts;

/// <summary>
/// The console's cookie scheme and the claims it carries. The cookie holds only the user id and the
/// account's security stamp; at every request <see cref="ValidateAsync"/> reads the account, membership
/// and role fresh from the database (as the admin API does for keys), so a demotion, removal, password
/// change or deleted organization applies to the very next request.
/// </summary>
internal static class ConsoleAuth
{
    public const string Scheme = "nemo-console";
    public const string CookieName = "__Host-nemo-console";
    public const string StampClaim = "nemo:stamp";
    public const string OrganizationClaim = "nemo:org";
    public const string OrganizationNameClaim = "nemo:org_name";
    public const string TeamClaim = "nemo:team";

    public static ClaimsPrincipal Principal(Guid userId, Guid stamp) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, userId.ToString()), new Claim(StampClaim, stamp.ToString())], Scheme));

    private static ClaimsPrincipal Principal(ConsoleMember member) =>
        new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, member.UserId.ToString()),
            new Claim(StampClaim, member.SecurityStamp.ToString()),
            new Claim(ClaimTypes.Email, member.Email),
            new Claim(OrganizationClaim, member.OrganizationId.ToString()),
            new Claim(OrganizationNameClaim, member.OrganizationName),
            new Claim(TeamClaim, member.TeamId.ToString()),
            new Claim(ClaimTypes.Role, TenancyNames.RoleName(member.Role)),
        ], Scheme));

    public static Task SignInAsync(HttpContext context, SignInOutcome outcome) =>
        context.SignInAsync(Scheme, Principal(outcome.UserId!.Value, outcome.SecurityStamp), new AuthenticationProperties { IsPersistent = true });

    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        ClaimsPrincipal? principal = context.Principal;
        if (!Guid.TryParse(principal?.FindFirstValue(ClaimTypes.NameIdentifier), out Guid userId)
            || !Guid.TryParse(principal?.FindFirstValue(StampClaim), out Guid stamp))
        {
            await RejectAsync(context);
            return;
        }
        AccountStore accounts = context.HttpContext.RequestServices.GetRequiredService<AccountStore>();
        ConsoleMember? member = await accounts.FindMemberAsync(userId, stamp, context.HttpContext.RequestAborted);
        if (member is null)
        {
            await RejectAsync(context);
            return;
        }
        context.ReplacePrincipal(Principal(member));
    }

    private static async Task RejectAsync(CookieValidatePrincipalContext context)
    {
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(Scheme);
    }

    public static MemberRole? RoleOf(ClaimsPrincipal user) =>
        user.Identity?.AuthenticationType == Scheme && user.FindFirstValue(ClaimTypes.Role) is { } role ? TenancyNames.ParseRole(role) : null;

    /// <summary>
    /// The signed-in person as the admin stores' caller: the same record the API builds from a key, so
    /// every rule of the stores (roles, last owner, row-level security, audit with actor and IP) applies.
    /// </summary>
    public static AdminCaller Caller(HttpContext context)
    {
        ClaimsPrincipal user = context.User;
        MemberRole role = RoleOf(user) ?? throw new InvalidOperationException("Console route reached without a signed-in member.");
        return new AdminCaller(false, Guid.Parse(user.FindFirstValue(OrganizationClaim)!), Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!),
            Guid.Parse(user.FindFirstValue(TeamClaim)!), role, null, AdminAuthenticator.IpOf(context));
    }

    public static string Email(HttpContext context) => context.User.FindFirstValue(ClaimTypes.Email) ?? "";

    public static string OrganizationName(HttpContext context) => context.User.FindFirstValue(OrganizationNameClaim) ?? "";

    /// <summary>An id for HTML element ids (whole: version-7 ids made in the same minute share their first characters).</summary>
    public static string Short(Guid id) => id.ToString("N", CultureInfo.InvariantCulture);
}
