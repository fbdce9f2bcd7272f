using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Members;

/// <summary>
/// Members and roles. Rules (docs/API.md): owners and admins manage members; only an owner grants the owner
/// role, demotes an owner or removes one; the last owner can't be demoted, removed or leave. Changing
/// team is leave + rejoin: the membership row is replaced (one team per user, by the primary key) and
/// the member's team-scoped keys move with them.
/// </summary>
internal sealed class MemberStore(AdminDatabase database, TimeProvider time)
{
    public async Task<List<MemberRow>> ListAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        return await session.ListAsync(
            """
            SELECT m.user_id, u.email, u.name, m.role, m.team_id, m.created_at
            FROM nemo.memberships m JOIN nemo.users u ON u.id = m.user_id
            WHERE m.organization_id = @org ORDER BY m.created_at, m.user_id
            """, MemberRow.Read, cancellationToken, ("org", organizationId));
    }

    public async Task<Outcome<(MemberRow Member, ChangedKeys Keys)>> ChangeAsync(AdminCaller caller, Guid userId, MemberChange change, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        await MembershipSql.LockOrganizationAsync(session, cancellationToken);
        MemberRow? before = await MembershipSql.FindAsync(session, userId, cancellationToken);
        if (before is null)
            return AdminErrors.NotFound("member", userId.ToString());
        MemberRole current = before.ParsedRole;
        MemberRole target = change.Role ?? current;
        if ((target == MemberRole.Owner || current == MemberRole.Owner) && target != current && caller.Role != MemberRole.Owner)
            return AdminErrors.RoleRequired(current == MemberRole.Owner ? "change an owner's role" : "grant the owner role", "owners");
        if (current == MemberRole.Owner && target != MemberRole.Owner && await MembershipSql.OwnerCountAsync(session, cancellationToken) <= 1)
            return LastOwner("demoted");
        Guid team = change.TeamId ?? before.TeamId;
        if (team != before.TeamId && !await session.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM nemo.teams WHERE id = @team AND organization_id = @org)",
                cancellationToken, ("team", team), ("org", caller.OrganizationId)))
            return AdminErrors.NotFound("team", team.ToString(), "team_id");
        if (target == current && team == before.TeamId)
            return Outcome<(MemberRow, ChangedKeys)>.Success((before, ChangedKeys.None));
        DateTimeOffset now = time.GetUtcNow();
        if (team != before.TeamId)
        {
            // Leave + rejoin: a new membership row in the new team, created now.
            await session.ExecuteAsync(
                """
                DELETE FROM nemo.memberships WHERE organization_id = @org AND user_id = @user;
                INSERT INTO nemo.memberships (user_id, organization_id, team_id, role, created_at) VALUES (@user, @org, @team, @role, @now);
                UPDATE nemo.api_keys SET team_id = @team, updated_at = @now WHERE organization_id = @org AND user_id = @user AND scope = 'team';
                """, cancellationToken, ("org", caller.OrganizationId), ("user", userId), ("team", team), ("role", MembershipSql.RoleName(target)), ("now", now));
        }
        else
        {
            await session.ExecuteAsync("UPDATE nemo.memberships SET role = @role WHERE organization_id = @org AND user_id = @user", cancellationToken,
                ("org", caller.OrganizationId), ("user", userId), ("role", MembershipSql.RoleName(target)));
        }
        MemberRow after = (await MembershipSql.FindAsync(session, userId, cancellationToken))!;
        ChangedKeys keys = await MembershipSql.KeysOfAsync(session, userId, cancellationToken);
        if (keys.Ids.Count > 0)
            await session.NotifyOrganizationKeysAsync(caller.OrganizationId, cancellationToken);
        string action = team != before.TeamId ? (target != current ? "member.update" : "member.team_change") : "member.role_change";
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, action, $"user:{userId}",
            new { role = before.Role, team_id = before.TeamId }, new { role = after.Role, team_id = after.TeamId }), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<(MemberRow, ChangedKeys)>.Success((after, keys));
    }

    /// <summary>Removes a member (or, for oneself, leaves); their keys are revoked.</summary>
    public async Task<Outcome<ChangedKeys>> RemoveAsync(AdminCaller caller, Guid userId, bool leaving, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        await MembershipSql.LockOrganizationAsync(session, cancellationToken);
        MemberRow? member = await MembershipSql.FindAsync(session, userId, cancellationToken);
        if (member is null)
            return AdminErrors.NotFound("member", userId.ToString());
        bool self = userId == caller.UserId;
        if (member.ParsedRole == MemberRole.Owner && !self && caller.Role != MemberRole.Owner)
            return AdminErrors.RoleRequired("remove an owner", "owners");
        if (member.ParsedRole == MemberRole.Owner && await MembershipSql.OwnerCountAsync(session, cancellationToken) <= 1)
            return LastOwner(self ? "leave" : "removed");
        DateTimeOffset now = time.GetUtcNow();
        await session.ExecuteAsync("DELETE FROM nemo.memberships WHERE organization_id = @org AND user_id = @user", cancellationToken,
            ("org", caller.OrganizationId), ("user", userId));
        ChangedKeys keys = await MembershipSql.RevokeKeysOfAsync(session, userId, now, cancellationToken);
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, self || leaving ? "member.leave" : "member.remove", $"user:{userId}",
            new { email = member.Email, role = member.Role, team_id = member.TeamId }, new { revoked_keys = keys.Ids }), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<ChangedKeys>.Success(keys);
    }

    public static OpenAIError LastOwner(string what) => OpenAIError.Conflict(
        what == "leave"
            ? "You are the last owner of this organization and can't leave it; make another member an owner (PATCH /v1/members/{user_id} or POST /v1/organization/transfer) or delete the organization first."
            : $"The last owner of an organization can't be {what}; make another member an owner first.",
        "last_owner");
}
