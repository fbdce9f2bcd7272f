using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin;

/// <summary>Who is calling the admin API: the operator (master key) or a member through one of their keys.</summary>
internal sealed record AdminCaller(bool IsOperator, Guid OrganizationId, Guid? UserId, Guid TeamId, MemberRole Role, Guid? KeyId)
{
    public static AdminCaller Operator { get; } = new(true, Guid.Empty, null, Guid.Empty, MemberRole.Owner, null);

    public string Actor => IsOperator ? "operator" : $"user:{UserId}";

    public bool IsAtLeast(MemberRole role) => !IsOperator && Role >= role;
}
