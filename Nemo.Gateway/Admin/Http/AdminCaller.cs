using Microsoft.AspNetCore.Http;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Http;

/// <summary>
/// Who is calling the admin API: the operator (master key) or a member through one of their keys, as
/// the database says at the moment of the call (role and team are read fresh, never from a cache).
/// </summary>
internal sealed record AdminCaller(bool IsOperator, Guid OrganizationId, Guid? UserId, Guid TeamId, MemberRole Role, Guid? KeyId, string? Ip)
{
    private const string ItemKey = "nemo.admin.caller";

    public static AdminCaller Operator(string? ip) => new(true, Guid.Empty, null, Guid.Empty, MemberRole.Owner, null, ip);

    public string Actor => IsOperator ? "operator" : $"user:{UserId}";

    public bool IsAtLeast(MemberRole role) => !IsOperator && Role >= role;

    public void AttachTo(HttpContext context) => context.Items[ItemKey] = this;

    /// <summary>The caller the route's filter authenticated (every admin route has one).</summary>
    public static AdminCaller Of(HttpContext context) =>
        context.Items[ItemKey] as AdminCaller ?? throw new InvalidOperationException("Admin route mapped without its caller filter.");
}
