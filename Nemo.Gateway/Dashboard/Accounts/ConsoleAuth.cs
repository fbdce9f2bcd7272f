using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Nemo.Gateway.Access;
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
    public const string Scheme = AccessSchemes.Console;
    public const string CookieName = "__Host-nemo-console";
    private const string StampClaim = AccessClaims.Stamp;

    public static ClaimsPrincipal Principal(Guid userId, Guid stamp) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, userId.ToString()), new Claim(StampClaim, stamp.ToString())], Scheme));

    /// <summary>The member as the same claims a key gives (<see cref="AccessClaims"/>), plus what the pages show.</summary>
    private static ClaimsPrincipal Principal(ConsoleMember member)
    {
        ClaimsIdentity identity = AccessClaims.Member(Scheme, member.OrganizationId, member.UserId, member.TeamId, member.Role);
        identity.AddClaims(
        [
            new Claim(StampClaim, member.SecurityStamp.ToString()),
            new Claim(ClaimTypes.Email, member.Email),
            new Claim(AccessClaims.OrganizationName, member.OrganizationName),
        ]);
        return new ClaimsPrincipal(identity);
    }

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

    /// <summary>The signed-in member's role, for what a page shows (the policies are the check).</summary>
    public static MemberRole? RoleOf(ClaimsPrincipal user) =>
        user.Identity?.AuthenticationType == Scheme ? AccessClaims.RoleOf(user) : null;

    public static string Email(HttpContext context) => context.User.FindFirstValue(ClaimTypes.Email) ?? "";

    public static string OrganizationName(HttpContext context) => context.User.FindFirstValue(AccessClaims.OrganizationName) ?? "";

    /// <summary>An id for HTML element ids (whole: version-7 ids made in the same minute share their first characters).</summary>
    public static string Short(Guid id) => id.ToString("N", CultureInfo.InvariantCulture);
}
