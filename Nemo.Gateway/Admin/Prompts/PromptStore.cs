using System.Text.Json;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Npgsql;

namespace Nemo.Gateway.Admin.Prompts;

/// <summary>
/// Prompt templates, their immutable numbered versions and their labels, under row-level security
/// (nemo_app can't update a version: the grant is SELECT, INSERT). Every change is audited and NOTIFYs
/// nemo_policies so every gateway's cache reloads the organization.
/// </summary>
internal sealed class PromptStore(AdminDatabase database, TimeProvider time)
{
    private const string UniqueViolation = "23505";

    private const string Select =
        """
        SELECT p.id, p.name, p.latest_version, v.template::text, v.variables, p.created_at, p.updated_at,
               coalesce((SELECT jsonb_object_agg(l.label, l.version) FROM nemo.prompt_labels l WHERE l.prompt_id = p.id), '{}'::jsonb)::text
        FROM nemo.prompts p JOIN nemo.prompt_versions v ON v.prompt_id = p.id AND v.version = p.latest_version
        """;

    private static PromptView Read(NpgsqlDataReader r)
    {
        using JsonDocument template = JsonDocument.Parse(r.GetString(3));
        Dictionary<string, int> labels = JsonSerializer.Deserialize<Dictionary<string, int>>(r.GetString(7))!;
        return new PromptView(r.GetGuid(0), r.GetString(1), r.GetInt32(2), template.RootElement.Clone(), r.GetFieldValue<string[]>(4), labels,
            r.GetFieldValue<DateTimeOffset>(5), r.GetFieldValue<DateTimeOffset>(6));
    }

    public async Task<List<PromptView>> ListAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        return await session.ListAsync(Select + " WHERE p.organization_id = @org ORDER BY p.created_at, p.id", Read, cancellationToken, ("org", organizationId));
    }

    public async Task<PromptView?> GetAsync(Guid organizationId, Guid id, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        PromptView? view = await GetAsync(session, id, cancellationToken);
        if (view is null)
            return null;
        List<PromptVersionView> versions = await session.ListAsync(
            "SELECT version, template::text, variables, created_by, created_at FROM nemo.prompt_versions WHERE prompt_id = @id ORDER BY version",
            r =>
            {
                using JsonDocument template = JsonDocument.Parse(r.GetString(1));
                return new PromptVersionView(r.GetInt32(0), template.RootElement.Clone(), r.GetFieldValue<string[]>(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4));
            }, cancellationToken, ("id", id));
        return view with { Versions = versions };
    }

    private static Task<PromptView?> GetAsync(AdminSession session, Guid id, CancellationToken cancellationToken) =>
        session.SingleAsync(Select + " WHERE p.organization_id = @org AND p.id = @id", Read, cancellationToken, ("org", session.OrganizationId), ("id", id));

    public async Task<Outcome<PromptView>> CreateAsync(AdminCaller caller, string name, JsonElement template, string[] variables, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        Guid id = Guid.CreateVersion7(time.GetUtcNow());
        DateTimeOffset now = time.GetUtcNow();
        try
        {
            await session.ExecuteAsync(
                """
                INSERT INTO nemo.prompts (id, organization_id, name, latest_version, created_at, updated_at) VALUES (@id, @org, @name, 1, @now, @now);
                INSERT INTO nemo.prompt_versions (prompt_id, organization_id, version, template, variables, created_by, created_at)
                VALUES (@id, @org, 1, @template::jsonb, @variables, @actor, @now);
                """, cancellationToken,
                ("id", id), ("org", caller.OrganizationId), ("name", name), ("now", now), ("template", template.GetRawText()), ("variables", variables), ("actor", caller.Actor));
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
        {
            return OpenAIError.Conflict($"This organization already has a prompt template named '{name}' (compared case-insensitively); choose another.", "prompt_name_taken");
        }
        PromptView view = (await GetAsync(session, id, cancellationToken))!;
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "prompt.create", $"prompt:{id}", null, new { name, version = 1, template, variables }), cancellationToken);
        await session.NotifyPoliciesAsync(caller.OrganizationId, cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<PromptView>.Success(view);
    }

    public async Task<Outcome<PromptView>> AddVersionAsync(AdminCaller caller, Guid id, JsonElement template, string[] variables, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        int? latest = await session.ScalarAsync<int?>("SELECT latest_version FROM nemo.prompts WHERE organization_id = @org AND id = @id FOR UPDATE", cancellationToken,
            ("org", caller.OrganizationId), ("id", id));
        if (latest is null)
            return AdminErrors.NotFound("prompt", id.ToString());
        int version = latest.Value + 1;
        DateTimeOffset now = time.GetUtcNow();
        await session.ExecuteAsync(
            """
            INSERT INTO nemo.prompt_versions (prompt_id, organization_id, version, template, variables, created_by, created_at)
            VALUES (@id, @org, @version, @template::jsonb, @variables, @actor, @now);
            UPDATE nemo.prompts SET latest_version = @version, updated_at = @now WHERE organization_id = @org AND id = @id;
            """, cancellationToken,
            ("id", id), ("org", caller.OrganizationId), ("version", version), ("template", template.GetRawText()), ("variables", variables), ("actor", caller.Actor), ("now", now));
        PromptView view = (await GetAsync(session, id, cancellationToken))!;
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "prompt.version", $"prompt:{id}", new { version = latest }, new { version, template, variables }), cancellationToken);
        await session.NotifyPoliciesAsync(caller.OrganizationId, cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<PromptView>.Success(view);
    }

    public async Task<Outcome<PromptView>> RenameAsync(AdminCaller caller, Guid id, string name, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        PromptView? before = await GetAsync(session, id, cancellationToken);
        if (before is null)
            return AdminErrors.NotFound("prompt", id.ToString());
        try
        {
            await session.ExecuteAsync("UPDATE nemo.prompts SET name = @name, updated_at = @now WHERE organization_id = @org AND id = @id", cancellationToken,
                ("org", caller.OrganizationId), ("id", id), ("name", name), ("now", time.GetUtcNow()));
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
        {
            return OpenAIError.Conflict($"This organization already has a prompt template named '{name}' (compared case-insensitively); choose another.", "prompt_name_taken");
        }
        PromptView after = (await GetAsync(session, id, cancellationToken))!;
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "prompt.update", $"prompt:{id}", new { before.Name }, new { after.Name }), cancellationToken);
        await session.NotifyPoliciesAsync(caller.OrganizationId, cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<PromptView>.Success(after);
    }

    public async Task<Outcome<PromptView>> SetLabelAsync(AdminCaller caller, Guid id, string label, int version, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        PromptView? before = await GetAsync(session, id, cancellationToken);
        if (before is null)
            return AdminErrors.NotFound("prompt", id.ToString());
        if (version > before.LatestVersion)
            return OpenAIError.BadRequest($"Prompt template '{id}' has versions 1 to {before.LatestVersion}; there is no version {version}.", "version", "prompt_version_not_found");
        await session.ExecuteAsync(
            """
            INSERT INTO nemo.prompt_labels (prompt_id, organization_id, label, version, updated_at) VALUES (@id, @org, @label, @version, @now)
            ON CONFLICT (prompt_id, label) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at
            """, cancellationToken, ("id", id), ("org", caller.OrganizationId), ("label", label), ("version", version), ("now", time.GetUtcNow()));
        PromptView after = (await GetAsync(session, id, cancellationToken))!;
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "prompt.label", $"prompt:{id}",
            new { label, version = before.Labels.TryGetValue(label, out int old) ? old : (int?)null }, new { label, version }), cancellationToken);
        await session.NotifyPoliciesAsync(caller.OrganizationId, cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<PromptView>.Success(after);
    }

    public async Task<Outcome<PromptView>> DeleteAsync(AdminCaller caller, Guid id, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        PromptView? before = await GetAsync(session, id, cancellationToken);
        if (before is null)
            return AdminErrors.NotFound("prompt", id.ToString());
        // Versions, labels and experiments matching the template go with it (ON DELETE CASCADE).
        await session.ExecuteAsync("DELETE FROM nemo.prompts WHERE organization_id = @org AND id = @id", cancellationToken, ("org", caller.OrganizationId), ("id", id));
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "prompt.delete", $"prompt:{id}", new { before.Name, before.LatestVersion, before.Labels }, null), cancellationToken);
        await session.NotifyPoliciesAsync(caller.OrganizationId, cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<PromptView>.Success(before);
    }
}
