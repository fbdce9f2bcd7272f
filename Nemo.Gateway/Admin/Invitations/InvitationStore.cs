using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Keys;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Grains.Tenancy;
using Npgsql;

namespace Nemo.Gateway.Admin.Invitations;

/// <summary>
/// Invitations. Creating, listing and revoking run under row-level security; accepting and declining run
/// on the service connection, because the token is the only proof the caller has and it names the
/// organization. Tokens are single-use (status moves on from pending exactly once, under a row lock),
/// expire after the organization's invitation_expiry_days, and every accept, decline, revoke and expiry
/// leaves an audit entry in the same transaction.
/// </summary>
internal sealed class InvitationStore(AdminDatabase database, TimeProvider time, IOptions<AdminOptions> options)
{
    private const string UniqueViolation = "23505";

    private const string Select = "SELECT id, email, role, team_id, status, invited_by, created_at, expires_at, responded_at FROM nemo.invitations";

    private static InvitationView Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetGuid(3), r.GetString(4), r.GetString(5), r.GetFieldValue<DateTimeOffset>(6),
        r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8));

    public async Task<List<InvitationView>> ListPendingAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        return await session.ListAsync(Select + " WHERE organization_id = @org AND status = 'pending' AND expires_at > @now ORDER BY created_at, id",
            Read, cancellationToken, ("org", organizationId), ("now", time.GetUtcNow()));
    }

    /// <summary>Creates one or many invitations in one transaction: all or none.</summary>
    public async Task<Outcome<List<InvitationView>>> CreateAsync(AdminCaller caller, IReadOnlyList<InvitationRequest> requests, CancellationToken cancellationToken)
    {
        if (requests.Any(r => r.Role == MemberRole.Owner) && caller.Role != MemberRole.Owner)
            return AdminErrors.RoleRequired("invite owners", "owners");
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        Tuple<string, string, int> org = (await session.SingleAsync("SELECT name, kind, invitation_expiry_days FROM nemo.organizations WHERE id = @org FOR UPDATE",
            r => Tuple.Create(r.GetString(0), r.GetString(1), r.GetInt32(2)), cancellationToken, ("org", caller.OrganizationId)))!;
        HashSet<Guid> teams = [.. await session.ListAsync("SELECT id FROM nemo.teams WHERE organization_id = @org", r => r.GetGuid(0), cancellationToken, ("org", caller.OrganizationId))];
        HashSet<string> members = new(await session.ListAsync(
            "SELECT lower(u.email) FROM nemo.memberships m JOIN nemo.users u ON u.id = m.user_id WHERE m.organization_id = @org",
            r => r.GetString(0), cancellationToken, ("org", caller.OrganizationId)), StringComparer.Ordinal);
        for (int i = 0; i < requests.Count; i++)
        {
            InvitationRequest request = requests[i];
            string where = requests.Count > 1 ? $"row {i + 2}: " : "";
            if (request.TeamId is { } team && !teams.Contains(team))
                return AdminErrors.NotFound("team", $"{team}", "team_id") with { Message = $"{where}No team '{team}' in this organization." };
            if (members.Contains(request.Email.ToLowerInvariant()))
                return OpenAIError.Conflict($"{where}{request.Email} is already a member of this organization.", "already_member");
        }
        DateTimeOffset now = time.GetUtcNow();
        DateTimeOffset expiresAt = now.AddDays(org.Item3);
        var created = new List<InvitationView>(requests.Count);
        foreach (InvitationRequest request in requests)
        {
            string token = InvitationToken.Generate();
            Guid id = Guid.CreateVersion7(now);
            string role = MembershipRoleName(request.Role);
            Guid team = request.TeamId ?? caller.TeamId;
            try
            {
                await session.ExecuteAsync(
                    """
                    INSERT INTO nemo.invitations (id, organization_id, email, role, team_id, token_hash, invited_by, created_at, expires_at)
                    VALUES (@id, @org, @email, @role, @team, @hash, @by, @now, @expires)
                    """, cancellationToken,
                    ("id", id), ("org", caller.OrganizationId), ("email", request.Email), ("role", role), ("team", team),
                    ("hash", InvitationToken.Hash(token)), ("by", caller.Actor), ("now", now), ("expires", expiresAt));
            }
            catch (PostgresException ex) when (ex.SqlState == UniqueViolation && ex.ConstraintName == "invitations_one_pending")
            {
                return OpenAIError.Conflict($"{request.Email} already has a pending invitation to this organization; revoke it (DELETE /v1/invitations/{{id}}) to send a new one.", "invitation_pending");
            }
            await InvitationEmail.QueueAsync(session, caller.OrganizationId, org.Item1, request.Email, role, token, expiresAt, options.Value.PublicUrl, now, cancellationToken);
            await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "invitation.create", $"invitation:{id}", null,
                new { email = request.Email, role, team_id = team, expires_at = expiresAt }), cancellationToken);
            created.Add(new InvitationView(id, request.Email, role, team, "pending", caller.Actor, now, expiresAt, null, token));
        }
        if (org.Item2 == "individual")
        {
            // An individual organization becomes an organization when its first member is invited.
            await session.ExecuteAsync("UPDATE nemo.organizations SET kind = 'organization' WHERE id = @org", cancellationToken, ("org", caller.OrganizationId));
            await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "organization.kind_change", $"organization:{caller.OrganizationId}",
                new { kind = "individual" }, new { kind = "organization" }), cancellationToken);
        }
        await session.CommitAsync(cancellationToken);
        return Outcome<List<InvitationView>>.Success(created);
    }

    public async Task<Outcome<InvitationView>> RevokeAsync(AdminCaller caller, Guid invitationId, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        InvitationView? invitation = await session.SingleAsync(Select + " WHERE organization_id = @org AND id = @id FOR UPDATE", Read, cancellationToken,
            ("org", caller.OrganizationId), ("id", invitationId));
        if (invitation is null)
            return AdminErrors.NotFound("invitation", invitationId.ToString());
        if (invitation.Status != "pending")
            return OpenAIError.Conflict($"The invitation {invitationId} is {invitation.Status} already; only pending invitations can be revoked.", $"invitation_{invitation.Status}");
        DateTimeOffset now = time.GetUtcNow();
        await session.ExecuteAsync("UPDATE nemo.invitations SET status = 'revoked', responded_at = @now WHERE organization_id = @org AND id = @id", cancellationToken,
            ("org", caller.OrganizationId), ("id", invitationId), ("now", now));
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "invitation.revoke", $"invitation:{invitationId}",
            new { status = "pending", invitation.Email, invitation.Role }, new { status = "revoked" }), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<InvitationView>.Success(invitation with { Status = "revoked", RespondedAt = now });
    }

    /// <summary>
    /// Accepts by token: refused when the token is unknown, used, revoked, declined or expired, when the
    /// email doesn't match, or when the invitee already belongs to an organization (then nothing changes).
    /// </summary>
    public async Task<Outcome<AcceptedInvitation>> AcceptAsync(string token, string email, string? ip, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.ServiceAsync(cancellationToken);
        Outcome<Pending> found = await FindPendingAsync(session, token, email, ip, cancellationToken);
        if (!found.Ok)
            return found.Error;
        Pending invitation = found.Value!;
        DateTimeOffset now = time.GetUtcNow();
        await session.ExecuteAsync("INSERT INTO nemo.users (id, email, created_at) VALUES (@id, @email, @now) ON CONFLICT (lower(email)) DO NOTHING", cancellationToken,
            ("id", Guid.CreateVersion7(now)), ("email", invitation.Email), ("now", now));
        Guid userId = await session.ScalarAsync<Guid>("SELECT id FROM nemo.users WHERE lower(email) = lower(@email) FOR UPDATE", cancellationToken, ("email", invitation.Email));
        if (await session.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM nemo.memberships WHERE user_id = @user)", cancellationToken, ("user", userId)))
            return AlreadyInOrganization(invitation.Email);
        try
        {
            await session.ExecuteAsync("INSERT INTO nemo.memberships (user_id, organization_id, team_id, role, created_at) VALUES (@user, @org, @team, @role, @now)",
                cancellationToken, ("user", userId), ("org", invitation.OrganizationId), ("team", invitation.TeamId), ("role", invitation.Role), ("now", now));
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
        {
            return AlreadyInOrganization(invitation.Email);
        }
        IssuedKey key = await KeyRows.InsertAsync(session, invitation.OrganizationId, invitation.TeamId, userId, "Default key", KeyRows.TeamScope,
            null, null, null, now, cancellationToken);
        await session.ExecuteAsync(
            """
            UPDATE nemo.invitations SET status = 'accepted', responded_at = @now, user_id = @user WHERE id = @id;
            UPDATE nemo.organizations SET kind = 'organization' WHERE id = @org AND kind = 'individual';
            """, cancellationToken, ("id", invitation.Id), ("now", now), ("user", userId), ("org", invitation.OrganizationId));
        await session.AuditAsync(new AuditEntry(invitation.OrganizationId, $"user:{userId}", ip, "invitation.accept", $"invitation:{invitation.Id}",
            new { status = "pending" }, new { status = "accepted", user_id = userId, email = invitation.Email, role = invitation.Role, team_id = invitation.TeamId, key_id = key.Id }),
            cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<AcceptedInvitation>.Success(new AcceptedInvitation(userId, invitation.OrganizationId, invitation.TeamId, invitation.Role, key));
    }

    public async Task<Outcome<InvitationView>> DeclineAsync(string token, string? email, string? ip, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.ServiceAsync(cancellationToken);
        Outcome<Pending> found = await FindPendingAsync(session, token, email, ip, cancellationToken);
        if (!found.Ok)
            return found.Error;
        Pending invitation = found.Value!;
        DateTimeOffset now = time.GetUtcNow();
        await session.ExecuteAsync("UPDATE nemo.invitations SET status = 'declined', responded_at = @now WHERE id = @id", cancellationToken,
            ("id", invitation.Id), ("now", now));
        await session.AuditAsync(new AuditEntry(invitation.OrganizationId, $"invitee:{invitation.Email}", ip, "invitation.decline", $"invitation:{invitation.Id}",
            new { status = "pending" }, new { status = "declined" }), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<InvitationView>.Success(new InvitationView(invitation.Id, invitation.Email, invitation.Role, invitation.TeamId, "declined",
            invitation.InvitedBy, invitation.CreatedAt, invitation.ExpiresAt, now));
    }

    /// <summary>Marks every pending invitation past its expiry as expired, with one audit entry each, in one statement.</summary>
    public async Task<int> ExpireDueAsync(CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.ServiceAsync(cancellationToken);
        int expired = await ExpireAsync(session, null, cancellationToken);
        await session.CommitAsync(cancellationToken);
        return expired;
    }

    private async Task<int> ExpireAsync(AdminSession session, Guid? only, CancellationToken cancellationToken) =>
        await session.ExecuteAsync(
            """
            WITH expired AS (
                UPDATE nemo.invitations SET status = 'expired', responded_at = @now
                WHERE status = 'pending' AND expires_at <= @now AND (@only::uuid IS NULL OR id = @only)
                RETURNING id, organization_id, email, role, expires_at
            )
            INSERT INTO nemo.audit_log (organization_id, actor, ip, action, target, before, after, created_at)
            SELECT organization_id, 'system', NULL, 'invitation.expire', 'invitation:' || id, jsonb_build_object('status', 'pending'),
                   jsonb_build_object('status', 'expired', 'email', email, 'role', role, 'expires_at', expires_at), @now
            FROM expired
            """, cancellationToken, ("now", time.GetUtcNow()), ("only", only));

    private sealed record Pending(Guid Id, Guid OrganizationId, string Email, string Role, Guid TeamId, string Status, string InvitedBy,
        DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

    private async Task<Outcome<Pending>> FindPendingAsync(AdminSession session, string token, string? email, string? ip, CancellationToken cancellationToken)
    {
        Pending? invitation = InvitationToken.LooksValid(token)
            ? await session.SingleAsync(
                """
                SELECT i.id, i.organization_id, i.email, i.role, i.team_id, i.status, i.invited_by, i.created_at, i.expires_at
                FROM nemo.invitations i JOIN nemo.organizations o ON o.id = i.organization_id AND o.status = 'active'
                WHERE i.token_hash = @hash FOR UPDATE OF i
                """,
                r => new Pending(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetGuid(4), r.GetString(5), r.GetString(6),
                    r.GetFieldValue<DateTimeOffset>(7), r.GetFieldValue<DateTimeOffset>(8)),
                cancellationToken, ("hash", InvitationToken.Hash(token)))
            : null;
        if (invitation is null)
            return OpenAIError.NotFound("No invitation matches this token; check that it was copied whole from the invitation.", "invitation_not_found", "token");
        if (invitation.Status == "pending" && invitation.ExpiresAt <= time.GetUtcNow())
        {
            // Expired but not swept yet: record the expiry (and its audit entry) now, on its own.
            await ExpireAsync(session, invitation.Id, cancellationToken);
            await session.CommitAsync(cancellationToken);
            invitation = invitation with { Status = "expired" };
        }
        if (invitation.Status != "pending")
        {
            return invitation.Status switch
            {
                "expired" => AdminErrors.Gone($"This invitation expired at {invitation.ExpiresAt:O}; ask an owner or admin of the organization for a new one.", "invitation_expired"),
                "accepted" => AdminErrors.Gone("This invitation was already accepted; an invitation can be used once.", "invitation_used"),
                "declined" => AdminErrors.Gone("This invitation was declined; ask for a new one.", "invitation_declined"),
                _ => AdminErrors.Gone("This invitation was revoked by the organization; ask for a new one.", "invitation_revoked"),
            };
        }
        if (email is not null && !string.Equals(email, invitation.Email, StringComparison.OrdinalIgnoreCase))
            return OpenAIError.BadRequest("email does not match the address this invitation was sent to.", "email", "email_mismatch");
        return Outcome<Pending>.Success(invitation);
    }

    private static OpenAIError AlreadyInOrganization(string email) =>
        OpenAIError.Conflict($"{email} already belongs to an organization; a user can belong to only one. Leave it first (POST /v1/organization/leave), then accept.", "already_member");

    private static string MembershipRoleName(MemberRole role) => Members.MembershipSql.RoleName(role);
}
