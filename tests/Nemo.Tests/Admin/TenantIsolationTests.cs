using System.Net;
using Nemo.Tests.Infrastructure;
using Npgsql;

namespace Nemo.Tests.Admin;

/// <summary>
/// Row-level security, probed in SQL as the admin API's role (<c>nemo_app</c>) with one organization set,
/// while two organizations have rows in every tenant table: zero rows of the other organization anywhere,
/// no write into it, no readable table without a policy, and no <c>USING (true)</c> policy.
/// </summary>
public sealed class TenantIsolationTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    /// <summary>Tables nemo_app can't read at all: the runtime's, and the console's sign-in tables (password hashes, reset tokens).</summary>
    private static readonly string[] RuntimeTables = ["account_tokens", "accounts", "data_protection_keys", "organization_activations", "reasserted_reservations", "schema_migrations"];

    private async Task<AdminWorld> PopulatedAsync()
    {
        HttpClient client = fixture.Host.Client;
        AdminWorld world = await AdminWorld.CreateAsync(client, fixture.Database, credits: 1m);
        (int status, _, string text) = await client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Owner.Key, AdminHttp.Chat());
        Assert.True(status == 200, text);
        (status, _, text) = await client.SendAsync(HttpMethod.Post, "/v1/invitations", world.Admin.Key, new { email = $"probe-{Guid.NewGuid():N}@example.com" });
        Assert.True(status == 201, text);
        await fixture.Database.ExecuteAsync(
            """
            INSERT INTO nemo.notifications (organization_id, kind, dedupe_key, payload) VALUES (@org, 'probe', @dedupe, '{}');
            INSERT INTO nemo.unsettled_reservations (request_id, organization_id, reserved_cost, expired_at) VALUES (@request, @org, 1, now());
            INSERT INTO nemo.request_failures (request_id, organization_id, team_id, key_id, endpoint, status_code, latency_ms, occurred_at)
                VALUES (@failed, @org, @team, @key, 'chat/completions', 429, 1, now());
            INSERT INTO nemo.organization_logos (organization_id, content_type, bytes) VALUES (@org, 'image/png', '\x89504e470d0a1a0a'::bytea);
            """, ("org", world.OrganizationId), ("dedupe", $"probe:{world.OrganizationId}"), ("request", Guid.NewGuid()), ("failed", Guid.NewGuid()),
            ("team", world.DefaultTeamId), ("key", world.Owner.KeyId));
        return world;
    }

    private async Task<NpgsqlConnection> OpenAsAppAsync(Guid? organization)
    {
        var connection = new NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync();
        await using var scope = new NpgsqlCommand("BEGIN; SET LOCAL ROLE nemo_app; SELECT set_config('nemo.organization_id', @org, true)", connection);
        scope.Parameters.AddWithValue("org", organization?.ToString() ?? "");
        await scope.ExecuteNonQueryAsync();
        return connection;
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string sql, params (string, object)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach ((string name, object value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<List<string>> TablesAsync() =>
        await ListAsync("SELECT tablename FROM pg_tables WHERE schemaname = 'nemo' ORDER BY tablename");

    private async Task<List<string>> ListAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(reader.GetString(0));
        return rows;
    }

    /// <summary>The rows of one organization in a table, counted on the service connection.</summary>
    private Task<long> ServiceCountAsync(string table, Guid organization) =>
        fixture.Database.ScalarAsync<long>(OwnRowsSql(table), ("org", organization));

    private static string OwnRowsSql(string table) => table switch
    {
        "organizations" => "SELECT count(*) FROM nemo.organizations WHERE id = @org",
        "users" => "SELECT count(*) FROM nemo.users u WHERE EXISTS (SELECT 1 FROM nemo.memberships m WHERE m.user_id = u.id AND m.organization_id = @org)",
        _ => $"SELECT count(*) FROM nemo.{table} WHERE organization_id = @org",
    };

    [Fact]
    public async Task AppRole_SeesOnlyItsOrganization_InEveryTenantTable()
    {
        AdminWorld a = await PopulatedAsync();
        AdminWorld b = await PopulatedAsync();
        List<string> tables = await TablesAsync();
        List<string> readable = await ListAsync("SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'nemo' AND c.relkind = 'r' AND has_table_privilege('nemo_app', c.oid, 'SELECT') ORDER BY 1");
        List<string> protectedTables = await ListAsync("SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'nemo' AND c.relkind = 'r' AND c.relrowsecurity ORDER BY 1");

        Assert.Equal(RuntimeTables, tables.Except(readable).Order());
        Assert.Empty(readable.Except(protectedTables)); // every table the role can read has row-level security
        await using NpgsqlConnection app = await OpenAsAppAsync(a.OrganizationId);
        foreach (string table in readable)
        {
            long serviceA = await ServiceCountAsync(table, a.OrganizationId);
            long serviceB = await ServiceCountAsync(table, b.OrganizationId);
            Assert.True(serviceA > 0 && serviceB > 0, $"the probe needs rows of both organizations in nemo.{table} (A: {serviceA}, B: {serviceB})");
            long visible = await CountAsync(app, $"SELECT count(*) FROM nemo.{table}");
            long visibleOfB = await CountAsync(app, OwnRowsSql(table), ("org", b.OrganizationId));
            Assert.True(visibleOfB == 0, $"nemo.{table}: {visibleOfB} rows of another organization visible");
            Assert.True(visible == serviceA, $"nemo.{table}: {visible} rows visible, the organization has {serviceA}");
        }
    }

    [Fact]
    public async Task AppRole_CannotReadRuntimeTables_NorSeeAnythingWithoutAnOrganization()
    {
        await PopulatedAsync();
        foreach (string table in RuntimeTables)
        {
            await using NpgsqlConnection denied = await OpenAsAppAsync(null);
            PostgresException ex = await Assert.ThrowsAsync<PostgresException>(() => CountAsync(denied, $"SELECT count(*) FROM nemo.{table}"));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);
        }
        await using NpgsqlConnection app = await OpenAsAppAsync(null);
        foreach (string table in (await TablesAsync()).Except(RuntimeTables))
            Assert.Equal(0L, await CountAsync(app, $"SELECT count(*) FROM nemo.{table}"));
    }

    [Fact]
    public async Task AppRole_CannotWriteIntoAnotherOrganization()
    {
        AdminWorld a = await PopulatedAsync();
        AdminWorld b = await PopulatedAsync();
        string before = await b.FingerprintAsync(fixture.Database);
        await using (NpgsqlConnection app = await OpenAsAppAsync(a.OrganizationId))
        {
            await using var update = new NpgsqlCommand(
                """
                UPDATE nemo.api_keys SET status = 'revoked' WHERE organization_id = @b;
                UPDATE nemo.organizations SET name = 'taken' WHERE id = @b;
                DELETE FROM nemo.memberships WHERE organization_id = @b;
                DELETE FROM nemo.teams WHERE organization_id = @b AND NOT is_default;
                """, app);
            update.Parameters.AddWithValue("b", b.OrganizationId);
            await update.ExecuteNonQueryAsync();
            await using var insert = new NpgsqlCommand("INSERT INTO nemo.teams (id, organization_id, name) VALUES (@id, @b, 'Injected')", app);
            insert.Parameters.AddWithValue("id", Guid.NewGuid());
            insert.Parameters.AddWithValue("b", b.OrganizationId);
            PostgresException ex = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState); // new row violates row-level security policy
            await using var commit = new NpgsqlCommand("ROLLBACK", app);
            await commit.ExecuteNonQueryAsync();
        }
        Assert.Equal(before, await b.FingerprintAsync(fixture.Database));
    }

    [Fact]
    public async Task CreditLedger_IsAppendOnly_ForTheAppRoleAndEveryoneElse()
    {
        AdminWorld a = await PopulatedAsync();
        await using (NpgsqlConnection app = await OpenAsAppAsync(a.OrganizationId))
        {
            await using var update = new NpgsqlCommand("UPDATE nemo.credit_transactions SET amount = amount * 2", app);
            PostgresException denied = await Assert.ThrowsAsync<PostgresException>(() => update.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        }
        PostgresException trigger = await Assert.ThrowsAsync<PostgresException>(() =>
            fixture.Database.ExecuteAsync("DELETE FROM nemo.credit_transactions WHERE organization_id = @org", ("org", a.OrganizationId)));
        Assert.Contains("append-only", trigger.MessageText);
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.credit_transactions WHERE organization_id = @org", ("org", a.OrganizationId)));
    }

    [Fact]
    public async Task Policies_AreForTheAppRoleOnly_NeverUsingTrue_AndTheRoleHasNoBypass()
    {
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM pg_policies WHERE schemaname = 'nemo' AND (qual IS NULL OR qual ~* '^\\(?true\\)?$' OR with_check ~* '^\\(?true\\)?$' OR roles <> '{nemo_app}')"));
        Assert.False(await fixture.Database.ScalarAsync<bool>("SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = 'nemo_app'"));
        Assert.False(await fixture.Database.ScalarAsync<bool>("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'nemo_app'"));
    }

    [Fact]
    public async Task AdminApi_AnotherOrganizationsIds_AreNotFound()
    {
        AdminWorld a = await PopulatedAsync();
        AdminWorld b = await PopulatedAsync();
        HttpClient client = fixture.Host.Client;
        foreach (string path in new[] { $"/v1/keys/{b.Owner.KeyId}", $"/v1/budgets/team/{b.TeamId}", $"/v1/budgets/key/{b.Member.KeyId}", $"/v1/activity?key_id={b.Owner.KeyId}" })
        {
            (int status, System.Text.Json.JsonElement body, string text) = await client.SendAsync(HttpMethod.Get, path, a.Owner.Key);
            if (path.StartsWith("/v1/activity", StringComparison.Ordinal))
                Assert.True(status == 200 && body.GetProperty("data").GetArrayLength() == 0, text);
            else
                Assert.True(status == (int)HttpStatusCode.NotFound, $"{path}: {text}");
        }
    }
}
