using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Keys;

/// <summary>What the gateway knows of a key without asking anyone: enough to route and to refuse early.</summary>
internal sealed record KeyEntry(
    Guid KeyId,
    Guid OrganizationId,
    Guid TeamId,
    Guid? UserId,
    MemberRole Role,
    KeyStatus Status,
    DateTimeOffset? ExpiresAt)
{
    public bool IsUsable(DateTimeOffset now) => Status == KeyStatus.Active && (ExpiresAt is null || now < ExpiresAt);
}
