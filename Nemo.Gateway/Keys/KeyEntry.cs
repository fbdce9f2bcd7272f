using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Keys;

/// <summary>
/// What the gateway knows of a key without asking anyone: enough to route and to refuse early.
/// <see cref="Superseded"/> marks the previous secret of a rotated key during its grace period; its
/// <see cref="ExpiresAt"/> is then the end of that grace period (or the key's own expiry if sooner).
/// </summary>
internal sealed record KeyEntry(
    Guid KeyId,
    Guid OrganizationId,
    Guid TeamId,
    Guid? UserId,
    MemberRole Role,
    KeyStatus Status,
    DateTimeOffset? ExpiresAt,
    bool Superseded = false)
{
    public bool IsUsable(DateTimeOffset now) => Status == KeyStatus.Active && (ExpiresAt is null || now < ExpiresAt);
}
