using System.Text.Json;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Experiments;
using Npgsql;

namespace Nemo.Gateway.Admin.Experiments;

/// <summary>
/// Experiments under row-level security. At most one running experiment matches a model or a template
/// (partial unique indexes; a second start answers 409). Every change is audited and NOTIFYs nemo_policies.
/// </summary>
internal sealed class ExperimentStore(AdminDatabase database, TimeProvider time)
{
    private const string UniqueViolation = "23505";

    private const string Select =
        "SELECT id, name, status, match_model, match_prompt_id, variants::text, sticky_by, created_at, updated_at FROM nemo.experiments";

    private static ExperimentView Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), new ExperimentMatch(r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetGuid(4)),
        ExperimentVariants.Parse(r.GetString(5)), r.GetString(6), r.GetFieldValue<DateTimeOffset>(7), r.GetFieldValue<DateTimeOffset>(8));

    public async Task<List<ExperimentView>> ListAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        return await session.ListAsync(Select + " WHERE organization_id = @org ORDER BY created_at, id", Read, cancellationToken, ("org", organizationId));
    }

    public async Task<ExperimentView?> GetAsync(Guid organizationId, Guid id, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        return await GetAsync(session, id, cancellationToken);
    }

    private static Task<ExperimentView?> GetAsync(AdminSession session, Guid id, CancellationToken cancellationToken) =>
        session.SingleAsync(Select + " WHERE organization_id = @org AND id = @id", Read, cancellationToken, ("org", session.OrganizationId), ("id", id));

    /// <summary>The highest version of a template of this organization, or null if there is no such template.</summary>
    public static Task<int?> LatestVersionAsync(AdminSession session, Guid promptId, CancellationToken cancellationToken) =>
        session.ScalarAsync<int?>("SELECT latest_version FROM nemo.prompts WHERE organization_id = @org AND id = @id", cancellationToken,
            ("org", session.OrganizationId), ("id", promptId));

    public async Task<Outcome<ExperimentView>> CreateAsync(AdminCaller caller, string name, string status, ExperimentMatch match, ExperimentVariant[] variants,
        CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        if (await VersionProblemAsync(session, match, variants, cancellationToken) is { } problem)
            return problem;
        Guid id = Guid.CreateVersion7(time.GetUtcNow());
        DateTimeOffset now = time.GetUtcNow();
        try
        {
            await session.ExecuteAsync(
                """
                INSERT INTO nemo.experiments (id, organization_id, name, status, match_model, match_prompt_id, variants, created_at, updated_at)
                VALUES (@id, @org, @name, @status, @model, @prompt, @variants::jsonb, @now, @now)
                """, cancellationToken,
                ("id", id), ("org", caller.OrganizationId), ("name", name), ("status", status), ("model", match.Model), ("prompt", match.PromptId),
                ("variants", JsonSerializer.Serialize(variants, AdminJson.Options)), ("now", now));
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
        {
            return Running(match);
        }
        ExperimentView view = (await GetAsync(session, id, cancellationToken))!;
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "experiment.create", $"experiment:{id}", null, view), cancellationToken);
        await session.NotifyPoliciesAsync(caller.OrganizationId, cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<ExperimentView>.Success(view);
    }

    public async Task<Outcome<ExperimentView>> UpdateAsync(AdminCaller caller, Guid id, string? name, string? status, ExperimentVariant[]? variants, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        ExperimentView? before = await session.SingleAsync(Select + " WHERE organization_id = @org AND id = @id FOR UPDATE", Read, cancellationToken,
            ("org", caller.OrganizationId), ("id", id));
        if (before is null)
            return AdminErrors.NotFound("experiment", id.ToString());
        if (variants is not null && await VersionProblemAsync(session, before.Match, variants, cancellationToken) is { } problem)
            return problem;
        try
        {
            await session.ExecuteAsync(
                """
                UPDATE nemo.experiments SET name = coalesce(@name, name), status = coalesce(@status, status),
                    variants = coalesce(@variants::jsonb, variants), updated_at = @now
                WHERE organization_id = @org AND id = @id
                """, cancellationToken,
                ("org", caller.OrganizationId), ("id", id), ("name", name), ("status", status),
                ("variants", variants is null ? null : JsonSerializer.Serialize(variants, AdminJson.Options)), ("now", time.GetUtcNow()));
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
        {
            return Running(before.Match);
        }
        ExperimentView after = (await GetAsync(session, id, cancellationToken))!;
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "experiment.update", $"experiment:{id}", before, after), cancellationToken);
        await session.NotifyPoliciesAsync(caller.OrganizationId, cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<ExperimentView>.Success(after);
    }

    public async Task<Outcome<ExperimentView>> DeleteAsync(AdminCaller caller, Guid id, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        ExperimentView? before = await GetAsync(session, id, cancellationToken);
        if (before is null)
            return AdminErrors.NotFound("experiment", id.ToString());
        await session.ExecuteAsync("DELETE FROM nemo.experiments WHERE organization_id = @org AND id = @id", cancellationToken, ("org", caller.OrganizationId), ("id", id));
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "experiment.delete", $"experiment:{id}", before, null), cancellationToken);
        await session.NotifyPoliciesAsync(caller.OrganizationId, cancellationToken);
        await session.CommitAsync(cancellationToken);
        return Outcome<ExperimentView>.Success(before);
    }

    /// <summary>Per variant: the usage ledger's events plus the request log's failures (requests without a usage event) tagged with this experiment.</summary>
    public async Task<Outcome<List<VariantResult>>> ResultsAsync(Guid organizationId, Guid id, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        ExperimentView? experiment = await GetAsync(session, id, cancellationToken);
        if (experiment is null)
            return AdminErrors.NotFound("experiment", id.ToString());
        Dictionary<string, VariantResult> rows = (await session.ListAsync(
            """
            WITH served AS (
                SELECT experiment_variant AS variant, status_code, latency_ms, prompt_tokens, completion_tokens, cost
                FROM nemo.usage_events WHERE organization_id = @org AND experiment_id = @id
                UNION ALL
                SELECT f.experiment_variant, f.status_code, f.latency_ms, 0, 0, 0
                FROM nemo.request_failures f
                WHERE f.organization_id = @org AND f.experiment_id = @id
                  AND NOT EXISTS (SELECT 1 FROM nemo.usage_events u WHERE u.request_id = f.request_id)
            )
            SELECT variant, count(*), count(*) FILTER (WHERE status_code NOT BETWEEN 200 AND 299),
                   percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_ms), percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms),
                   sum(prompt_tokens)::bigint, sum(completion_tokens)::bigint, sum(cost)::bigint
            FROM served GROUP BY variant
            """,
            r => new VariantResult(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), AdminJson.Money(r.GetInt64(7))),
            cancellationToken, ("org", organizationId), ("id", id))).ToDictionary(r => r.Variant);
        // Every configured variant is listed (zeros if it served nothing yet), then any no longer configured.
        List<VariantResult> results = [.. experiment.Variants.Select(v => rows.Remove(v.Name, out VariantResult? row) ? row : new VariantResult(v.Name, 0, 0, null, null, 0, 0, 0m))];
        results.AddRange(rows.Values.OrderBy(r => r.Variant, StringComparer.Ordinal));
        return Outcome<List<VariantResult>>.Success(results);
    }

    private static async Task<OpenAIError?> VersionProblemAsync(AdminSession session, ExperimentMatch match, ExperimentVariant[] variants, CancellationToken cancellationToken)
    {
        if (match.PromptId is not { } promptId)
        {
            return variants.Any(v => v.PromptVersion is not null)
                ? OpenAIError.BadRequest("prompt_version needs an experiment that matches a prompt template (match.prompt_id).", "variants", "invalid_value")
                : null;
        }
        int? latest = await LatestVersionAsync(session, promptId, cancellationToken);
        if (latest is null)
            return AdminErrors.NotFound("prompt", promptId.ToString(), "match.prompt_id");
        return variants.FirstOrDefault(v => v.PromptVersion > latest) is { } bad
            ? OpenAIError.BadRequest($"Variant '{bad.Name}' names version {bad.PromptVersion}; the template has versions 1 to {latest}.", "variants", "prompt_version_not_found")
            : null;
    }

    private static OpenAIError Running(ExperimentMatch match) => OpenAIError.Conflict(
        $"Another running experiment already matches {(match.Model is { } m ? $"model '{m}'" : $"prompt template '{match.PromptId}'")}; stop it first (PATCH status: stopped).",
        "experiment_conflict");
}
