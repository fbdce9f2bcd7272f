using System.Security.Claims;
using Nemo.Grains.Tenancy;
using Nemo.Persistence.Database;

namespace Nemo.Gateway.Access;

/// <summary>
/// The claims every caller is described by, whichever way they proved who they are: a member's
/// <c>sk-nemo-…</c> key (<see cref="ApiKeyAuthenticationHandler"/>), a console session cookie, or the
/// operator's master key (<see cref="MasterKeyAuthenticationHandler"/>). The role policies
/// (<see cref="RoleRequirement"/>) and the admin stores' caller read these and nothing else.
/// </summary>
internal static class AccessClaims
{
    public const string Organization = "nemo:org";
    public const string OrganizationName = "nemo:org_name";
    public const string Team = "nemo:team";
    public const string Key = "nemo:key";
    public const string Operator = "nemo:operator";
    public const string Stamp = "nemo:stamp";

    /// <summary>A member of an organization, in the given authentication scheme.</summary>
    public static ClaimsIdentity Member(string scheme, Guid organizationId, Guid userId, Guid teamId, MemberRole role, Guid? keyId = null)
    {
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, userId.ToString()),
            new Claim(Organization, organizationId.ToString()),
            new Claim(Team, teamId.ToString()),
            new Claim(ClaimTypes.Role, TenancyNames.RoleName(role)),
        ], scheme);
        if (keyId is { } key)
            identity.AddClaim(new Claim(Key, key.ToString()));
        return identity;
    }

    /// <summary>The operator: no organization, no role inside one.</summary>
    public static ClaimsIdentity OperatorIdentity(string scheme) =>
        new([new Claim(ClaimTypes.Name, "operator"), new Claim(Operator, "true")], scheme);

    public static bool IsOperator(ClaimsPrincipal user) => user.HasClaim(c => c.Type == Operator);

    /// <summary>The member's role in their organization; null for the operator or an anonymous caller.</summary>
    public static MemberRole? RoleOf(ClaimsPrincipal user) =>
        !IsOperator(user) && user.FindFirstValue(ClaimTypes.Role) is { } role && user.FindFirstValue(Organization) is not null
            ? TenancyNames.ParseRole(role)
            : null;
}
