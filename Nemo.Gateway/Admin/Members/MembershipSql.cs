using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Keys;
using Nemo.Grains.Tenancy;
using Nemo.Persistence.Database;

namespace Nemo.Gateway.Admin.Members;

/// <summary>
/// Statements shared by the member, organization and team routes. Every membership change first locks
/// the organization row (<see cref="LockOrganizationAsync"/>), so two concurrent demotions can't both
/// pass the last-owner guard.
/// </summary>
internal static class MembershipSql
{
    public static async Task<bool> LockOrganizationAsync(AdminSession session, CancellationToken cancellationToken) =>
        await session.ScalarAsync<bool>("SELECT true FROM nemo.organizations WHERE id = @org AND status = 'active' FOR UPDATE", cancellationToken,
            ("org", session.OrganizationId));

    public static async Task<long> OwnerCountAsync(AdminSession session, CancellationToken cancellationToken) =>
        await session.ScalarAsync<long>("SELECT count(*) FROM nemo.memberships WHERE organization_id = @org AND role = 'owner'", cancellationToken,
            ("org", session.OrganizationId));

    /// <summary>The member's role and team, or null when the user is not a member of this organization.</summary>
    public static async Task<MemberRow?> FindAsync(AdminSession session, Guid userId, CancellationToken cancellationToken) =>
        await session.SingleAsync(
            """
            SELECT m.user_id, u.email, u.name, m.role, m.team_id, m.created_at
            FROM nemo.memberships m JOIN nemo.users u ON u.id = m.user_id
            WHERE m.organization_id = @org AND m.user_id = @user
            """, MemberRow.Read, cancellationToken, ("org", session.OrganizationId), ("user", userId));

    /// <summary>The user's keys in this organization (ids and hashes, both current and previous).</summary>
    public static async Task<ChangedKeys> KeysOfAsync(AdminSession session, Guid userId, CancellationToken cancellationToken)
    {
        var ids = new List<Guid>();
        var hashes = new List<KeyHash>();
        await session.ListAsync("SELECT id, key_hash, previous_key_hash FROM nemo.api_keys WHERE organization_id = @org AND user_id = @user",
            r =>
            {
                ids.Add(r.GetGuid(0));
                hashes.Add(KeyHash.FromBytes(r.GetFieldValue<byte[]>(1)));
                if (!r.IsDBNull(2))
                    hashes.Add(KeyHash.FromBytes(r.GetFieldValue<byte[]>(2)));
                return 0;
            }, cancellationToken, ("org", session.OrganizationId), ("user", userId));
        return new ChangedKeys(ids, hashes);
    }

    /// <summary>Revokes every active or disabled key of a user who leaves or is removed: a non-member's key must not work.</summary>
    public static async Task<ChangedKeys> RevokeKeysOfAsync(AdminSession session, Guid userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ChangedKeys keys = await KeysOfAsync(session, userId, cancellationToken);
        await session.ExecuteAsync(
            """
            UPDATE nemo.api_keys SET status = 'revoked', revoked_at = @now, updated_at = @now, previous_key_hash = NULL, previous_expires_at = NULL
            WHERE organization_id = @org AND user_id = @user AND status <> 'revoked'
            """, cancellationToken, ("org", session.OrganizationId), ("user", userId), ("now", now));
        if (keys.Ids.Count > 0)
            await session.NotifyOrganizationKeysAsync(session.OrganizationId!.Value, cancellationToken);
        return keys;
    }

    public static string RoleName(MemberRole role) => TenancyNames.RoleName(role);
}
