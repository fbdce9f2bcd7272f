using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Members;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Npgsql;

namespace Nemo.Gateway.Admin.Teams;

/// <summary>
/// Teams. Every organization has exactly one Default team (a partial unique index), which can be renamed
/// but not deleted or disabled. Deleting a team moves its members, their keys and its pending invitations
/// to the Default team and removes its budget, in one transaction.
/// </summary>
internal sealed class TeamStore(AdminDatabase database, TimeProvider time)
{
    private const string UniqueViolation = "23505";

    private const string Select =
        """
        SELECT t.id, t.name, t.is_default, t.status, t.rpm, t.tpm,
               (SELECT count(*) FROM nemo.memberships m WHERE m.team_id = t.id),
               (SELECT count(*) FROM nemo.api_keys k WHERE k.team_id = t.id AND k.status <> 'revoked'),
               t.created_at, t.models
        FROM nemo.teams t
        """;

    private static TeamView Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetBoolean(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetInt64(4), r.IsDBNull(5) ? null : r.GetInt64(5),
        r.GetInt64(6), r.GetInt64(7), r.GetFieldValue<DateTimeOffset>(8), r.IsDBNull(9) ? null : r.GetFieldValue<string[]>(9));

    public async Task<List<TeamView>> ListAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        return await session.ListAsync(Select + " WHERE t.organization_id = @org ORDER BY t.is_default DESC, t.created_at, t.id", Read, cancellationToken, ("org", organizationId));
    }

    public async Task<TeamView?> GetAsync(AdminSession session, Guid teamId, CancellationToken cancellationToken) =>
        await session.SingleAsync(Select + " WHERE t.organization_id = @org AND t.id = @id", Read, cancellationToken, ("org", session.OrganizationId), ("id", teamId));

    public async Task<Outcome<TeamView>> CreateAsync(AdminCaller caller, string name, long? rpm, long? tpm, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        Guid id = Guid.CreateVersion7(time.GetUtcNow());
        try
        {
            await session.ExecuteAsync("INSERT INTO nemo.teams (id, organization_id, name, rpm, tpm, created_at) VALUES (@id, @org, @name, @rpm, @tpm, @now)",
                cancellationToken, ("id", id), ("org", caller.OrganizationId), ("name", name), ("rpm", rpm), ("tpm", tpm), ("now", time.GetUtcNow()));
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
        {
            return NameTaken(name);
        }
        TeamView team = (await GetAsync(session, id, cancellationToken))!;
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "team.create", $"team:{id}", null, new { name, rpm, tpm }), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<TeamView>.Success(team);
    }

    public async Task<Outcome<TeamView>> UpdateAsync(AdminCaller caller, Guid teamId, TeamChange change, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        TeamView? before = await session.SingleAsync(Select + " WHERE t.organization_id = @org AND t.id = @id FOR UPDATE OF t", Read, cancellationToken,
            ("org", caller.OrganizationId), ("id", teamId));
        if (before is null)
            return AdminErrors.NotFound("team", teamId.ToString());
        if (before.IsDefault && change.Status == "disabled")
            return OpenAIError.BadRequest("The Default team can't be disabled: every member who leaves a team lands in it.", "status", "invalid_value");
        try
        {
            await session.ExecuteAsync(
                """
                UPDATE nemo.teams SET name = coalesce(@name, name), status = coalesce(@status, status),
                    rpm = CASE WHEN @set_rpm THEN @rpm ELSE rpm END, tpm = CASE WHEN @set_tpm THEN @tpm ELSE tpm END,
                    models = CASE WHEN @set_models THEN @models ELSE models END
                WHERE organization_id = @org AND id = @id
                """, cancellationToken,
                ("org", caller.OrganizationId), ("id", teamId), ("name", change.Name), ("status", change.Status),
                ("set_rpm", change.SetRpm), ("rpm", change.Rpm), ("set_tpm", change.SetTpm), ("tpm", change.Tpm),
                ("set_models", change.SetModels), ("models", ModelListParameter.Of(change.Models)));
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
        {
            return NameTaken(change.Name!);
        }
        TeamView after = (await GetAsync(session, teamId, cancellationToken))!;
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "team.update", $"team:{teamId}",
            new { before.Name, before.Status, before.Rpm, before.Tpm, before.Models }, new { after.Name, after.Status, after.Rpm, after.Tpm, after.Models }), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<TeamView>.Success(after);
    }

    /// <summary>Deletes a team; members, keys and pending invitations move to the Default team. Returns the moved keys.</summary>
    public async Task<Outcome<ChangedKeys>> DeleteAsync(AdminCaller caller, Guid teamId, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        await MembershipSql.LockOrganizationAsync(session, cancellationToken);
        TeamView? team = await GetAsync(session, teamId, cancellationToken);
        if (team is null)
            return AdminErrors.NotFound("team", teamId.ToString());
        if (team.IsDefault)
            return OpenAIError.BadRequest("The Default team can't be deleted: members of deleted teams move to it.", code: "default_team");
        Guid defaultTeam = await session.ScalarAsync<Guid>("SELECT id FROM nemo.teams WHERE organization_id = @org AND is_default", cancellationToken, ("org", caller.OrganizationId));
        List<Guid> keyIds = await session.ListAsync("SELECT id FROM nemo.api_keys WHERE organization_id = @org AND team_id = @team", r => r.GetGuid(0),
            cancellationToken, ("org", caller.OrganizationId), ("team", teamId));
        DateTimeOffset now = time.GetUtcNow();
        await session.ExecuteAsync(
            """
            UPDATE nemo.memberships SET team_id = @default WHERE organization_id = @org AND team_id = @team;
            UPDATE nemo.api_keys SET team_id = @default, updated_at = @now WHERE organization_id = @org AND team_id = @team;
            UPDATE nemo.invitations SET team_id = @default WHERE organization_id = @org AND team_id = @team;
            DELETE FROM nemo.budgets WHERE organization_id = @org AND scope = 'team' AND scope_id = @team_text;
            DELETE FROM nemo.teams WHERE organization_id = @org AND id = @team;
            """, cancellationToken,
            ("org", caller.OrganizationId), ("team", teamId), ("default", defaultTeam), ("now", now), ("team_text", teamId.ToString()));
        if (keyIds.Count > 0)
            await session.NotifyOrganizationKeysAsync(caller.OrganizationId, cancellationToken);
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "team.delete", $"team:{teamId}",
            new { team.Name, team.MemberCount, team.KeyCount }, new { moved_to = defaultTeam, moved_keys = keyIds }), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<ChangedKeys>.Success(new ChangedKeys(keyIds, []));
    }

    private static OpenAIError NameTaken(string name) =>
        OpenAIError.Conflict($"This organization already has a team named '{name}' (names are compared case-insensitively); choose another.", "team_name_taken");
}
