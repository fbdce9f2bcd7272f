using Nemo.Grains.Tenancy;

namespace Nemo.Persistence.Database;

/// <summary>The text forms of roles and key statuses as stored in SQL and shown in JSON.</summary>
public static class TenancyNames
{
    public static MemberRole ParseRole(string text) => text switch
    {
        "owner" => MemberRole.Owner,
        "admin" => MemberRole.Admin,
        "member" => MemberRole.Member,
        "viewer" => MemberRole.Viewer,
        _ => throw new FormatException($"Unknown role '{text}'."),
    };

    public static string RoleName(MemberRole role) => role switch
    {
        MemberRole.Owner => "owner",
        MemberRole.Admin => "admin",
        MemberRole.Member => "member",
        MemberRole.Viewer => "viewer",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static KeyStatus ParseKeyStatus(string text) => text switch
    {
        "active" => KeyStatus.Active,
        "disabled" => KeyStatus.Disabled,
        "revoked" => KeyStatus.Revoked,
        _ => throw new FormatException($"Unknown key status '{text}'."),
    };
}
