using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Grains.Tenancy;
using Npgsql;

namespace Nemo.Gateway.Admin.Budgets;

/// <summary>Budgets at organization, team, key and customer scope, under row-level security.</summary>
internal sealed class BudgetStore(AdminDatabase database, TimeProvider time)
{
    private const string Select = "SELECT scope, scope_id, limit_nanos, period, soft_thresholds, rpm, tpm FROM nemo.budgets";

    private static BudgetRow Read(NpgsqlDataReader r)
    {
        BudgetScope.TryParseKind(r.GetString(0), out BudgetScopeKind kind);
        BudgetPeriods.TryParse(r.GetString(3), out BudgetPeriod period);
        return new BudgetRow(new BudgetScope(kind, r.GetString(1)), r.GetInt64(2), period, r.GetFieldValue<int[]>(4),
            r.IsDBNull(5) ? null : r.GetInt64(5), r.IsDBNull(6) ? null : r.GetInt64(6));
    }

    /// <summary>
    /// Checks a scope id against the caller's organization: another organization's team or key is simply
    /// not found (404), and so is an id that isn't a UUID.
    /// </summary>
    public async Task<Outcome<BudgetScope>> ResolveAsync(AdminCaller caller, string scope, string id, CancellationToken cancellationToken)
    {
        if (!BudgetScope.TryParseKind(scope, out BudgetScopeKind kind))
            return OpenAIError.BadRequest($"scope must be organization, team, key or customer (got '{scope}').", "scope", "invalid_value");
        if (kind == BudgetScopeKind.Customer)
            return id.Length is > 0 and <= 256
                ? Outcome<BudgetScope>.Success(new BudgetScope(kind, id))
                : OpenAIError.BadRequest($"A customer id is 1 to 256 characters (got {id.Length}).", "id", "invalid_value");
        if (!Guid.TryParse(id, out Guid guid))
            return AdminErrors.NotFound(scope, id);
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        bool exists = kind switch
        {
            BudgetScopeKind.Organization => guid == caller.OrganizationId,
            BudgetScopeKind.Team => await session.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM nemo.teams WHERE organization_id = @org AND id = @id)", cancellationToken, ("org", caller.OrganizationId), ("id", guid)),
            _ => await session.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM nemo.api_keys WHERE organization_id = @org AND id = @id)", cancellationToken, ("org", caller.OrganizationId), ("id", guid)),
        };
        return exists ? Outcome<BudgetScope>.Success(new BudgetScope(kind, guid.ToString())) : AdminErrors.NotFound(scope, id);
    }

    public async Task<List<BudgetRow>> ListAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        return await session.ListAsync(Select + " WHERE organization_id = @org ORDER BY scope, scope_id", Read, cancellationToken, ("org", organizationId));
    }

    public async Task<BudgetRow?> GetAsync(Guid organizationId, BudgetScope scope, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        return await GetAsync(session, scope, cancellationToken);
    }

    private static Task<BudgetRow?> GetAsync(AdminSession session, BudgetScope scope, CancellationToken cancellationToken) =>
        session.SingleAsync(Select + " WHERE organization_id = @org AND scope = @scope AND scope_id = @id", Read, cancellationToken,
            ("org", session.OrganizationId), ("scope", BudgetScope.KindName(scope.Kind)), ("id", scope.Id));

    public async Task PutAsync(AdminCaller caller, BudgetRow budget, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        BudgetRow? before = await GetAsync(session, budget.Scope, cancellationToken);
        await session.ExecuteAsync(
            """
            INSERT INTO nemo.budgets (organization_id, scope, scope_id, limit_nanos, period, anchor, soft_thresholds, rpm, tpm, created_at, updated_at)
            SELECT @org, @scope, @id, @limit, @period, o.billing_anchor, @thresholds, @rpm, @tpm, @now, @now FROM nemo.organizations o WHERE o.id = @org
            ON CONFLICT (organization_id, scope, scope_id) DO UPDATE SET
                limit_nanos = excluded.limit_nanos, period = excluded.period, soft_thresholds = excluded.soft_thresholds,
                rpm = excluded.rpm, tpm = excluded.tpm, updated_at = excluded.updated_at
            """, cancellationToken,
            ("org", caller.OrganizationId), ("scope", BudgetScope.KindName(budget.Scope.Kind)), ("id", budget.Scope.Id), ("limit", budget.LimitNanos),
            ("period", BudgetPeriods.Name(budget.Period)), ("thresholds", budget.SoftThresholds), ("rpm", budget.Rpm), ("tpm", budget.Tpm), ("now", time.GetUtcNow()));
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "budget.put", $"budget:{budget.Scope}",
            before is null ? null : Audited(before), Audited(budget)), cancellationToken);
        await session.CommitAsync(cancellationToken);
    }

    public async Task<bool> DeleteAsync(AdminCaller caller, BudgetScope scope, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        BudgetRow? before = await GetAsync(session, scope, cancellationToken);
        if (before is null)
            return false;
        await session.ExecuteAsync("DELETE FROM nemo.budgets WHERE organization_id = @org AND scope = @scope AND scope_id = @id", cancellationToken,
            ("org", caller.OrganizationId), ("scope", BudgetScope.KindName(scope.Kind)), ("id", scope.Id));
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "budget.delete", $"budget:{scope}", Audited(before), null), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return true;
    }

    private static object Audited(BudgetRow b) => new
    {
        limit = AdminJson.Money(b.LimitNanos), period = BudgetPeriods.Name(b.Period), soft_thresholds = b.SoftThresholds, rpm = b.Rpm, tpm = b.Tpm,
    };
}
