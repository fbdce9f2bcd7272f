using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Nemo.Gateway.Keys;
using Nemo.Grains.Tenancy;
using Nemo.Runtime.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Nemo.Gateway.Admin;

/// <summary>
/// The admin API's writes: each a single transaction that also appends its audit entry, so a failure
/// leaves nothing half-done. Key changes NOTIFY every gateway's key cache inside the same transaction.
/// </summary>
internal sealed class TenancyStore(NemoDatabase database)
{
    public sealed record CreatedOrganization(Guid OrganizationId, Guid OwnerUserId, Guid TeamId, Guid KeyId, string ApiKey, KeyHash KeyHash);

    public sealed record CreatedKey(Guid Id, string Secret, string Prefix, string Name, Guid TeamId, Guid? UserId, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, KeyHash Hash);

    /// <summary>User (new, or existing without an organization), organization, Default team, owner membership, owner key.</summary>
    public async Task<CreatedOrganization?> CreateOrganizationAsync(string name, string ownerEmail, string plan, string actor, string? ip, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(cancellationToken);
        Guid userId;
        await using (var find = new NpgsqlCommand("SELECT u.id, m.organization_id FROM nemo.users u LEFT JOIN nemo.memberships m ON m.user_id = u.id WHERE lower(u.email) = lower(@email) FOR UPDATE OF u", connection, tx))
        {
            find.Parameters.AddWithValue("email", ownerEmail);
            await using NpgsqlDataReader reader = await find.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                if (!reader.IsDBNull(1))
                    return null; // one organization per user
                userId = reader.GetGuid(0);
            }
            else
            {
                userId = Guid.CreateVersion7();
            }
        }
        Guid organizationId = Guid.CreateVersion7();
        Guid teamId = Guid.CreateVersion7();
        Guid keyId = Guid.CreateVersion7();
        string secret = ApiKeySecret.Generate();
        KeyHash hash = ApiKeySecret.Hash(secret);
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO nemo.users (id, email) VALUES (@user, @email) ON CONFLICT DO NOTHING;
            INSERT INTO nemo.organizations (id, name, slug, plan) VALUES (@org, @name, @slug, @plan);
            INSERT INTO nemo.teams (id, organization_id, name, is_default) VALUES (@team, @org, 'Default', true);
            INSERT INTO nemo.memberships (user_id, organization_id, team_id, role) VALUES (@user, @org, @team, 'owner');
            INSERT INTO nemo.api_keys (id, organization_id, team_id, user_id, name, prefix, key_hash) VALUES (@key, @org, @team, @user, 'Default key', @prefix, @hash);
            """, connection, tx))
        {
            insert.Parameters.AddWithValue("user", userId);
            insert.Parameters.AddWithValue("email", ownerEmail);
            insert.Parameters.AddWithValue("org", organizationId);
            insert.Parameters.AddWithValue("name", name);
            insert.Parameters.AddWithValue("slug", Slug(name));
            insert.Parameters.AddWithValue("plan", plan);
            insert.Parameters.AddWithValue("team", teamId);
            insert.Parameters.AddWithValue("key", keyId);
            insert.Parameters.AddWithValue("prefix", ApiKeySecret.VisiblePrefix(secret));
            insert.Parameters.AddWithValue("hash", hash.ToBytes());
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await AuditAsync(connection, tx, organizationId, actor, ip, "organization.create", $"organization:{organizationId}", null,
            new { name, owner_email = ownerEmail, plan, team_id = teamId, owner_user_id = userId }, cancellationToken);
        await NotifyKeyAsync(connection, tx, hash, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return new CreatedOrganization(organizationId, userId, teamId, keyId, secret, hash);
    }

    public async Task<bool> GrantCreditsAsync(Guid organizationId, long amountNanos, string? reason, string actor, string? ip, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var update = new NpgsqlCommand(
            "UPDATE nemo.organizations SET credits_purchased = credits_purchased + @amount WHERE id = @org AND status = 'active'", connection, tx))
        {
            update.Parameters.AddWithValue("org", organizationId);
            update.Parameters.AddWithValue("amount", amountNanos);
            if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
                return false;
        }
        await using (var ledger = new NpgsqlCommand(
            "INSERT INTO nemo.credit_transactions (organization_id, kind, amount, reason, actor) VALUES (@org, 'grant', @amount, @reason, @actor)", connection, tx))
        {
            ledger.Parameters.AddWithValue("org", organizationId);
            ledger.Parameters.AddWithValue("amount", amountNanos);
            ledger.Parameters.AddWithValue("reason", (object?)reason ?? DBNull.Value);
            ledger.Parameters.AddWithValue("actor", actor);
            await ledger.ExecuteNonQueryAsync(cancellationToken);
        }
        await AuditAsync(connection, tx, organizationId, actor, ip, "credits.grant", $"organization:{organizationId}", null,
            new { amount_nanos = amountNanos, reason }, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<bool> TeamExistsAsync(Guid organizationId, Guid teamId, CancellationToken cancellationToken) =>
        await ExistsAsync("SELECT 1 FROM nemo.teams WHERE id = @id AND organization_id = @org", organizationId, teamId, cancellationToken);

    public async Task<bool> KeyExistsAsync(Guid organizationId, Guid keyId, CancellationToken cancellationToken) =>
        await ExistsAsync("SELECT 1 FROM nemo.api_keys WHERE id = @id AND organization_id = @org", organizationId, keyId, cancellationToken);

    private async Task<bool> ExistsAsync(string sql, Guid organizationId, Guid id, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("org", organizationId);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    public async Task<CreatedKey> CreateKeyAsync(AdminCaller caller, string name, Guid teamId, DateTimeOffset? expiresAt, long? rpm, long? tpm, string? ip, CancellationToken cancellationToken)
    {
        string secret = ApiKeySecret.Generate();
        KeyHash hash = ApiKeySecret.Hash(secret);
        Guid id = Guid.CreateVersion7();
        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(cancellationToken);
        DateTimeOffset createdAt;
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO nemo.api_keys (id, organization_id, team_id, user_id, name, prefix, key_hash, rpm, tpm, expires_at)
            VALUES (@id, @org, @team, @user, @name, @prefix, @hash, @rpm, @tpm, @expires) RETURNING created_at
            """, connection, tx))
        {
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("org", caller.OrganizationId);
            insert.Parameters.AddWithValue("team", teamId);
            insert.Parameters.AddWithValue("user", (object?)caller.UserId ?? DBNull.Value);
            insert.Parameters.AddWithValue("name", name);
            insert.Parameters.AddWithValue("prefix", ApiKeySecret.VisiblePrefix(secret));
            insert.Parameters.AddWithValue("hash", hash.ToBytes());
            insert.Parameters.AddWithValue("rpm", (object?)rpm ?? DBNull.Value);
            insert.Parameters.AddWithValue("tpm", (object?)tpm ?? DBNull.Value);
            insert.Parameters.AddWithValue("expires", (object?)expiresAt ?? DBNull.Value);
            // timestamptz comes back as a UTC DateTime
            createdAt = new DateTimeOffset((DateTime)(await insert.ExecuteScalarAsync(cancellationToken))!, TimeSpan.Zero);
        }
        await AuditAsync(connection, tx, caller.OrganizationId, caller.Actor, ip, "key.create", $"key:{id}", null,
            new { name, team_id = teamId, expires_at = expiresAt, rpm, tpm }, cancellationToken);
        await NotifyKeyAsync(connection, tx, hash, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return new CreatedKey(id, secret, ApiKeySecret.VisiblePrefix(secret), name, teamId, caller.UserId, createdAt, expiresAt, hash);
    }

    public sealed record BudgetRow(BudgetScope Scope, long LimitNanos, BudgetPeriod Period, int[] SoftThresholds, long? Rpm, long? Tpm);

    public async Task UpsertBudgetAsync(AdminCaller caller, BudgetRow budget, string? ip, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(cancellationToken);
        BudgetRow? before = await GetBudgetAsync(connection, tx, caller.OrganizationId, budget.Scope, cancellationToken);
        await using (var upsert = new NpgsqlCommand(
            """
            INSERT INTO nemo.budgets (organization_id, scope, scope_id, limit_nanos, period, anchor, soft_thresholds, rpm, tpm)
            SELECT @org, @scope, @id, @limit, @period, o.billing_anchor, @thresholds, @rpm, @tpm FROM nemo.organizations o WHERE o.id = @org
            ON CONFLICT (organization_id, scope, scope_id) DO UPDATE SET
                limit_nanos = excluded.limit_nanos, period = excluded.period, soft_thresholds = excluded.soft_thresholds,
                rpm = excluded.rpm, tpm = excluded.tpm, updated_at = now()
            """, connection, tx))
        {
            upsert.Parameters.AddWithValue("org", caller.OrganizationId);
            upsert.Parameters.AddWithValue("scope", BudgetScope.KindName(budget.Scope.Kind));
            upsert.Parameters.AddWithValue("id", budget.Scope.Id);
            upsert.Parameters.AddWithValue("limit", budget.LimitNanos);
            upsert.Parameters.AddWithValue("period", BudgetPeriods.Name(budget.Period));
            upsert.Parameters.AddWithValue("thresholds", budget.SoftThresholds);
            upsert.Parameters.AddWithValue("rpm", (object?)budget.Rpm ?? DBNull.Value);
            upsert.Parameters.AddWithValue("tpm", (object?)budget.Tpm ?? DBNull.Value);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        await AuditAsync(connection, tx, caller.OrganizationId, caller.Actor, ip, "budget.put", $"budget:{budget.Scope}", before, budget, cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    public async Task<BudgetRow?> GetBudgetAsync(Guid organizationId, BudgetScope scope, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        return await GetBudgetAsync(connection, null, organizationId, scope, cancellationToken);
    }

    private static async Task<BudgetRow?> GetBudgetAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid organizationId, BudgetScope scope, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT limit_nanos, period, soft_thresholds, rpm, tpm FROM nemo.budgets WHERE organization_id = @org AND scope = @scope AND scope_id = @id", connection, tx);
        command.Parameters.AddWithValue("org", organizationId);
        command.Parameters.AddWithValue("scope", BudgetScope.KindName(scope.Kind));
        command.Parameters.AddWithValue("id", scope.Id);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        BudgetPeriods.TryParse(reader.GetString(1), out BudgetPeriod period);
        return new BudgetRow(scope, reader.GetInt64(0), period, reader.GetFieldValue<int[]>(2),
            reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetInt64(4));
    }

    private static async Task AuditAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid? organizationId, string actor, string? ip,
        string action, string target, object? before, object? after, CancellationToken cancellationToken)
    {
        await using var audit = new NpgsqlCommand(
            "INSERT INTO nemo.audit_log (organization_id, actor, ip, action, target, before, after) VALUES (@org, @actor, @ip, @action, @target, @before, @after)",
            connection, tx);
        audit.Parameters.AddWithValue("org", (object?)organizationId ?? DBNull.Value);
        audit.Parameters.AddWithValue("actor", actor);
        audit.Parameters.AddWithValue("ip", (object?)ip ?? DBNull.Value);
        audit.Parameters.AddWithValue("action", action);
        audit.Parameters.AddWithValue("target", target);
        audit.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Jsonb) { Value = before is null ? DBNull.Value : JsonSerializer.Serialize(before) });
        audit.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Jsonb) { Value = after is null ? DBNull.Value : JsonSerializer.Serialize(after) });
        await audit.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task NotifyKeyAsync(NpgsqlConnection connection, NpgsqlTransaction tx, KeyHash hash, CancellationToken cancellationToken)
    {
        await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection, tx);
        notify.Parameters.AddWithValue("channel", KeyChangeListener.Channel);
        notify.Parameters.AddWithValue("payload", hash.ToHex());
        await notify.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Slug(string name)
    {
        var slug = new StringBuilder();
        foreach (char c in name.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
                slug.Append(c);
            else if (slug.Length > 0 && slug[^1] != '-')
                slug.Append('-');
            if (slug.Length >= 40)
                break;
        }
        string stem = slug.ToString().Trim('-');
        return (stem.Length == 0 ? "org" : stem) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    }
}
