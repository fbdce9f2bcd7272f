using Nemo.Grains.Storage;
using Nemo.Grains.Tenancy;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Persistence.Spend;

/// <summary>Reads what grains load on activation or refresh. Never on the per-request path.</summary>
internal sealed class PostgresSpendStore(NemoDatabase database) : ISpendStore
{
    public async Task<ApiKeyRecord?> LoadKeyAsync(Guid organizationId, Guid keyId, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(
            """
            SELECT k.id, k.organization_id, k.team_id, k.user_id, coalesce(m.role, 'member'), k.status, k.expires_at, k.rpm, k.tpm, k.models
            FROM nemo.api_keys k LEFT JOIN nemo.memberships m ON m.user_id = k.user_id AND m.organization_id = k.organization_id
            WHERE k.id = @id AND k.organization_id = @org
            """);
        command.Parameters.AddWithValue("id", keyId);
        command.Parameters.AddWithValue("org", organizationId);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return new ApiKeyRecord(
            reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2),
            reader.IsDBNull(3) ? null : reader.GetGuid(3),
            TenancyNames.ParseRole(reader.GetString(4)),
            TenancyNames.ParseKeyStatus(reader.GetString(5)),
            reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
            reader.IsDBNull(7) ? null : reader.GetInt64(7),
            reader.IsDBNull(8) ? null : reader.GetInt64(8),
            reader.IsDBNull(9) ? null : reader.GetFieldValue<string[]>(9));
    }

    public async Task<TeamRecord?> LoadTeamAsync(Guid organizationId, Guid teamId, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(
            "SELECT id, organization_id, status = 'active', rpm, tpm, models FROM nemo.teams WHERE id = @id AND organization_id = @org");
        command.Parameters.AddWithValue("id", teamId);
        command.Parameters.AddWithValue("org", organizationId);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return new TeamRecord(reader.GetGuid(0), reader.GetGuid(1), reader.GetBoolean(2),
            reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetInt64(4),
            reader.IsDBNull(5) ? null : reader.GetFieldValue<string[]>(5));
    }

    public async Task<OrganizationRecord?> LoadOrganizationAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using NpgsqlBatch batch = database.DataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT id, plan, status = 'active', credits_purchased, rpm, tpm, models, content_logging FROM nemo.organizations WHERE id = @org")
        {
            Parameters = { new NpgsqlParameter("org", organizationId) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT scope, scope_id FROM nemo.budgets WHERE organization_id = @org")
        {
            Parameters = { new NpgsqlParameter("org", organizationId) },
        });
        await using NpgsqlDataReader reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        Guid id = reader.GetGuid(0);
        string plan = reader.GetString(1);
        bool active = reader.GetBoolean(2);
        long purchased = reader.GetInt64(3);
        long? rpm = reader.IsDBNull(4) ? null : reader.GetInt64(4);
        long? tpm = reader.IsDBNull(5) ? null : reader.GetInt64(5);
        string[]? models = reader.IsDBNull(6) ? null : reader.GetFieldValue<string[]>(6);
        bool contentLogging = reader.GetBoolean(7);
        await reader.NextResultAsync(cancellationToken);
        var budgets = new List<BudgetScope>();
        while (await reader.ReadAsync(cancellationToken))
        {
            BudgetScope.TryParseKind(reader.GetString(0), out BudgetScopeKind kind);
            budgets.Add(new BudgetScope(kind, reader.GetString(1)));
        }
        return new OrganizationRecord(id, plan, active, purchased, rpm, tpm, budgets, models, contentLogging);
    }

    public async Task<BudgetRecord?> LoadBudgetAsync(Guid organizationId, BudgetScope scope, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(
            """
            SELECT limit_nanos, period, anchor, soft_thresholds, rpm, tpm
            FROM nemo.budgets WHERE organization_id = @org AND scope = @scope AND scope_id = @id
            """);
        command.Parameters.AddWithValue("org", organizationId);
        command.Parameters.AddWithValue("scope", BudgetScope.KindName(scope.Kind));
        command.Parameters.AddWithValue("id", scope.Id);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        BudgetPeriods.TryParse(reader.GetString(1), out BudgetPeriod period);
        return new BudgetRecord(organizationId, scope, reader.GetInt64(0), period,
            reader.GetFieldValue<DateOnly>(2), reader.GetFieldValue<int[]>(3),
            reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetInt64(5));
    }

    public async Task<IReadOnlySet<Guid>> SettledAmongAsync(Guid organizationId, IReadOnlyCollection<Guid> requestIds, CancellationToken cancellationToken)
    {
        var settled = new HashSet<Guid>();
        if (requestIds.Count == 0)
            return settled;
        await using NpgsqlCommand command = database.DataSource.CreateCommand(
            "SELECT request_id FROM nemo.usage_events WHERE organization_id = @org AND request_id = ANY(@ids)");
        command.Parameters.AddWithValue("org", organizationId);
        command.Parameters.AddWithValue("ids", requestIds.ToArray());
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            settled.Add(reader.GetGuid(0));
        return settled;
    }

    public async Task<long> LoadSpendAsync(Guid organizationId, BudgetScope scope, DateOnly fromDay, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(
            "SELECT coalesce(sum(cost), 0)::bigint FROM nemo.usage_daily WHERE organization_id = @org AND scope = @scope AND scope_id = @id AND day >= @from");
        command.Parameters.AddWithValue("org", organizationId);
        command.Parameters.AddWithValue("scope", BudgetScope.KindName(scope.Kind));
        command.Parameters.AddWithValue("id", scope.Id);
        command.Parameters.AddWithValue("from", fromDay);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
