using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Access;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Http;

/// <summary>
/// Who is calling the admin stores: the operator (master key) or a member, through one of their keys (the
/// admin API) or their session (the console). Built from the claims of whichever scheme authenticated the
/// request, which read the role and team fresh from the database at this request, never from a cache; so
/// every rule of the stores (roles, last owner, row-level security, audit with actor and IP) holds the same
/// way on both surfaces.
/// </summary>
internal sealed record AdminCaller(bool IsOperator, Guid OrganizationId, Guid? UserId, Guid TeamId, MemberRole Role, Guid? KeyId, string? Ip)
{
    private const string ItemKey = "nemo.admin.caller";

    public static AdminCaller Operator(string? ip) => new(true, Guid.Empty, null, Guid.Empty, MemberRole.Owner, null, ip);

    public string Actor => IsOperator ? "operator" : $"user:{UserId}";

    public bool IsAtLeast(MemberRole role) => !IsOperator && Role >= role;

    /// <summary>The caller of a route whose policy authenticated it (every admin route and console page but the public ones).</summary>
    public static AdminCaller Of(HttpContext context)
    {
        if (context.Items[ItemKey] is AdminCaller cached)
            return cached;
        AdminCaller caller = From(context.User, MasterKey.IpOf(context))
            ?? throw new InvalidOperationException("Route reached without an authenticated caller: map it with a role or operator policy.");
        context.Items[ItemKey] = caller;
        return caller;
    }

    private static AdminCaller? From(ClaimsPrincipal user, string? ip)
    {
        if (AccessClaims.IsOperator(user))
            return Operator(ip);
        if (AccessClaims.RoleOf(user) is not { } role)
            return null;
        Guid? key = Guid.TryParse(user.FindFirstValue(AccessClaims.Key), out Guid k) ? k : null;
        return new AdminCaller(false, Guid.Parse(user.FindFirstValue(AccessClaims.Organization)!), Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!),
            Guid.Parse(user.FindFirstValue(AccessClaims.Team)!), role, key, ip);
    }
}
