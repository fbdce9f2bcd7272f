using System.Text.Json;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Npgsql;

namespace Nemo.Gateway.Admin.Guardrails;

/// <summary>
/// Guardrails, under row-level security. Each change commits with its audit entry and a NOTIFY nemo_policies,
/// so every gateway reloads the organization's rules (the caller reloads its own before answering).
/// </summary>
internal sealed class GuardrailStore(AdminDatabase database, TimeProvider time)
{
    private const string Select =
        "SELECT id, name, kind, action, applies_to, config::text, enabled, team_id, key_id, created_at, updated_at FROM nemo.guardrails";

    private static GuardrailView Read(NpgsqlDataReader r)
    {
        using JsonDocument config = JsonDocument.Parse(r.GetString(5));
        return new GuardrailView(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), config.RootElement.Clone(), r.GetBoolean(6),
            r.IsDBNull(7) ? null : r.GetGuid(7), r.IsDBNull(8) ? null : r.GetGuid(8), r.GetFieldValue<DateTimeOffset>(9), r.GetFieldValue<DateTimeOffset>(10));
    }

    public async Task<List<GuardrailView>> ListAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        return await session.ListAsync(Select + " WHERE organization_id = @org ORDER BY created_at, id", Read, cancellationToken, ("org", organizationId));
    }

    public async Task<GuardrailView?> GetAsync(Guid organizationId, Guid id, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        return await session.SingleAsync(Select + " WHERE organization_id = @org AND id = @id", Read, cancellationToken, ("org", organizationId), ("id", id));
    }

    public async Task<Outcome<GuardrailView>> CreateAsync(AdminCaller caller, GuardrailDraft draft, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        if (await ScopeProblemAsync(session, draft, cancellationToken) is { } problem)
            return problem;
        Guid id = Guid.CreateVersion7(time.GetUtcNow());
        DateTimeOffset now = time.GetUtcNow();
        await session.ExecuteAsync(
            """
            INSERT INTO nemo.guardrails (id, organization_id, team_id, key_id, name, kind, action, applies_to, config, enabled, created_at, updated_at)
            VALUES (@id, @org, @team, @key, @name, @kind, @action, @applies_to, @config::jsonb, @enabled, @now, @now)
            """, cancellationToken,
            ("id", id), ("org", caller.OrganizationId), ("team", draft.TeamId), ("key", draft.KeyId), ("name", draft.Name), ("kind", draft.Kind),
            ("action", draft.Action), ("applies_to", draft.AppliesTo), ("config", draft.Config.GetRawText()), ("enabled", draft.Enabled), ("now", now));
        GuardrailView view = (await session.SingleAsync(Select + " WHERE organization_id = @org AND id = @id", Read, cancellationToken, ("org", caller.OrganizationId), ("id", id)))!;
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "guardrail.create", $"guardrail:{id}", null, view), cancellationToken);
        await session.NotifyPoliciesAsync(caller.OrganizationId, cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<GuardrailView>.Success(view);
    }

    /// <summary>Applies a PATCH: <paramref name="change"/> gets the current rule and returns the new draft (or an error).</summary>
    public async Task<Outcome<GuardrailView>> UpdateAsync(AdminCaller caller, Guid id, Func<GuardrailView, Outcome<GuardrailDraft>> change, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        GuardrailView? before = await session.SingleAsync(Select + " WHERE organization_id = @org AND id = @id FOR UPDATE", Read, cancellationToken,
            ("org", caller.OrganizationId), ("id", id));
        if (before is null)
            return AdminErrors.NotFound("guardrail", id.ToString());
        Outcome<GuardrailDraft> draft = change(before);
        if (!draft.Ok)
            return draft.Error;
        if (await ScopeProblemAsync(session, draft.Value!, cancellationToken) is { } problem)
            return problem;
        GuardrailDraft d = draft.Value!;
        await session.ExecuteAsync(
            """
            UPDATE nemo.guardrails SET team_id = @team, key_id = @key, name = @name, kind = @kind, action = @action, applies_to = @applies_to,
                config = @config::jsonb, enabled = @enabled, updated_at = @now
            WHERE organization_id = @org AND id = @id
            """, cancellationToken,
            ("id", id), ("org", caller.OrganizationId), ("team", d.TeamId), ("key", d.KeyId), ("name", d.Name), ("kind", d.Kind),
            ("action", d.Action), ("applies_to", d.AppliesTo), ("config", d.Config.GetRawText()), ("enabled", d.Enabled), ("now", time.GetUtcNow()));
        GuardrailView after = (await session.SingleAsync(Select + " WHERE organization_id = @org AND id = @id", Read, cancellationToken, ("org", caller.OrganizationId), ("id", id)))!;
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "guardrail.update", $"guardrail:{id}", before, after), cancellationToken);
        await session.NotifyPoliciesAsync(caller.OrganizationId, cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<GuardrailView>.Success(after);
    }

    public async Task<Outcome<GuardrailView>> DeleteAsync(AdminCaller caller, Guid id, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        GuardrailView? before = await session.SingleAsync(Select + " WHERE organization_id = @org AND id = @id FOR UPDATE", Read, cancellationToken,
            ("org", caller.OrganizationId), ("id", id));
        if (before is null)
            return AdminErrors.NotFound("guardrail", id.ToString());
        await session.ExecuteAsync("DELETE FROM nemo.guardrails WHERE organization_id = @org AND id = @id", cancellationToken, ("org", caller.OrganizationId), ("id", id));
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "guardrail.delete", $"guardrail:{id}", before, null), cancellationToken);
        await session.NotifyPoliciesAsync(caller.OrganizationId, cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<GuardrailView>.Success(before);
    }

    /// <summary>A team or key scope must name a row of this organization (row-level security hides any other).</summary>
    private static async Task<OpenAIError?> ScopeProblemAsync(AdminSession session, GuardrailDraft draft, CancellationToken cancellationToken)
    {
        if (draft.TeamId is { } team && await session.ScalarAsync<long>("SELECT count(*) FROM nemo.teams WHERE id = @id", cancellationToken, ("id", team)) == 0)
            return AdminErrors.NotFound("team", team.ToString(), "team_id");
        if (draft.KeyId is { } key && await session.ScalarAsync<long>("SELECT count(*) FROM nemo.api_keys WHERE id = @id", cancellationToken, ("id", key)) == 0)
            return AdminErrors.NotFound("key", key.ToString(), "key_id");
        return null;
    }
}
