using Nemo.Gateway.Keys;

namespace Nemo.Gateway.Admin.Keys;

/// <summary>A key just created or rotated: the only moment its secret exists outside the client.</summary>
internal sealed record IssuedKey(Guid Id, string Secret, KeyHash Hash, DateTimeOffset CreatedAt)
{
    public string Prefix => ApiKeySecret.VisiblePrefix(Secret);
}
