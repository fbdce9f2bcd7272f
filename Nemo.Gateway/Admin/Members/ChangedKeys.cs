using Nemo.Gateway.Keys;

namespace Nemo.Gateway.Admin.Members;

/// <summary>The keys a membership change touched (revoked, moved or re-roled), to propagate after commit.</summary>
internal sealed record ChangedKeys(IReadOnlyList<Guid> Ids, IReadOnlyList<KeyHash> Hashes)
{
    public static ChangedKeys None { get; } = new([], []);
}
