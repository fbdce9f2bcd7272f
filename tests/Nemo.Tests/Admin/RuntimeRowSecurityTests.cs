using System.Text.Json;
using Nemo.Gateway.Keys;
using Nemo.Tests.Infrastructure;
using Npgsql;

namespace Nemo.Tests.Admin;

/// <summary>Its own database and gateway: the test plants a cross-organization row.</summary>
public sealed class RuntimeRowSecurityFixture : NemoHostFixture;

/// <summary>
/// Row-level security holds at runtime, on the product's own connections: what the admin API answers
/// organization A depends on it, and the product runs as roles that can't bypass it. The test plants a
/// key of organization B on A's team "Research" (team_id has no organization in its foreign key), so
/// the team list's key count — a subquery filtered by team only — counts it unless row-level security
/// hides it. The control replays the very statement the product ran, as the product's login role
/// (the table owner, which bypasses the policies) and as the superuser: both count B's key, so the
/// API assertion fails if the admin API stops switching to nemo_app, or runs as a role that bypasses
/// row-level security.
/// </summary>
public sealed class RuntimeRowSecurityTests(RuntimeRowSecurityFixture fixture) : IClassFixture<RuntimeRowSecurityFixture>
{
    private HttpClient Client => fixture.Host.Client;

    [Fact]
    public async Task AdminApi_AsOrganizationA_DoesNotSeeOrganizationBsRows_BecauseOfRowLevelSecurity_OnTheProductsOwnRole()
    {
        AdminWorld a = await AdminWorld.CreateAsync(Client, fixture.Database);
        AdminWorld b = await AdminWorld.CreateAsync(Client, fixture.Database);
        string planted = ApiKeySecret.Generate();
        await fixture.Database.ExecuteAsync(
            "INSERT INTO nemo.api_keys (id, organization_id, team_id, user_id, name, prefix, key_hash) VALUES (@id, @b, @team, @user, 'planted', @prefix, @hash)",
            ("id", Guid.CreateVersion7()), ("b", b.OrganizationId), ("team", a.TeamId), ("user", b.Member.UserId),
            ("prefix", ApiKeySecret.VisiblePrefix(planted)), ("hash", ApiKeySecret.Hash(planted).ToBytes()));
        // A's Research team holds A's member and viewer keys; B's planted key points at it too.
        const long OwnKeys = 2;
        Assert.Equal(OwnKeys + 1, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM nemo.api_keys WHERE team_id = @team AND status <> 'revoked'", ("team", a.TeamId)));

        // Through the admin API as A: B's teams are absent and B's key is not counted.
        using var recorder = new DbCommandRecorder(fixture.Database.Name);
        (int status, JsonElement teams, string text) = await Client.SendAsync(HttpMethod.Get, "/v1/teams", a.Owner.Key);
        Assert.True(status == 200, text);
        string listSql = recorder.Commands.Select(c => c.Text).Last(t => t.Contains("FROM nemo.teams t", StringComparison.Ordinal) && t.Contains("ORDER BY", StringComparison.Ordinal));
        Guid[] ids = [.. teams.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("id").GetGuid())];
        Assert.Contains(a.TeamId, ids);
        Assert.DoesNotContain(b.TeamId, ids);
        Assert.DoesNotContain(b.DefaultTeamId, ids);
        JsonElement research = teams.GetProperty("data").EnumerateArray().Single(t => t.GetProperty("id").GetGuid() == a.TeamId);
        Assert.True(research.GetProperty("key_count").GetInt64() == OwnKeys, "organization B's key is counted on A's team: row-level security was bypassed at runtime. " + text);
        (status, _, text) = await Client.SendAsync(HttpMethod.Patch, $"/v1/teams/{b.TeamId}", a.Admin.Key, new { name = "taken over" });
        Assert.True(status == 404, text);

        // Control: the statement the product ran, replayed. It does not filter B's key out by itself.
        Assert.Equal(OwnKeys + 1, await ResearchKeyCountAsync(fixture.Database.ConnectionString, listSql, a, asApp: false));    // the owner: bypasses
        Assert.Equal(OwnKeys + 1, await ResearchKeyCountAsync(fixture.Database.AdminConnectionString, listSql, a, asApp: false)); // superuser: bypasses
        Assert.Equal(OwnKeys, await ResearchKeyCountAsync(fixture.Database.ConnectionString, listSql, a, asApp: true));          // nemo_app: policies apply

        // The product's own sessions (its data source, Orleans' providers) run as the database's owner
        // role, which is neither superuser nor BYPASSRLS; nemo_app isn't either.
        List<(string User, string Application, bool Super, bool BypassRls)> sessions = await ProductSessionsAsync();
        Assert.Contains(sessions, s => s.Application == "nemo");
        Assert.All(sessions, s =>
        {
            Assert.Equal(fixture.Database.OwnerRole, s.User);
            Assert.False(s.Super, $"{s.User} ({s.Application}) is a superuser");
            Assert.False(s.BypassRls, $"{s.User} ({s.Application}) has BYPASSRLS");
        });
        Assert.Equal(fixture.Database.OwnerRole, await fixture.Database.AdminScalarAsync<string>("SELECT tableowner::text FROM pg_tables WHERE schemaname = 'nemo' AND tablename = 'api_keys'"));
        Assert.False(await fixture.Database.AdminScalarAsync<bool>("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = 'nemo_app'"));
        Assert.True(await fixture.Database.AdminScalarAsync<bool>("SELECT relrowsecurity FROM pg_class WHERE oid = 'nemo.api_keys'::regclass"));
    }

    /// <summary>Runs the product's team list statement for organization A and returns A's Research team's key count.</summary>
    private static async Task<long> ResearchKeyCountAsync(string connectionString, string sql, AdminWorld a, bool asApp)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync();
        if (asApp)
        {
            await using var scope = new NpgsqlCommand("SET LOCAL ROLE nemo_app; SELECT set_config('nemo.organization_id', @org, true)", connection, transaction);
            scope.Parameters.AddWithValue("org", a.OrganizationId.ToString());
            await scope.ExecuteNonQueryAsync();
        }
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        if (sql.Contains("$1", StringComparison.Ordinal))
            command.Parameters.Add(new NpgsqlParameter { Value = a.OrganizationId });
        else
            command.Parameters.AddWithValue("org", a.OrganizationId);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            if (reader.GetGuid(0) == a.TeamId)
                return reader.GetInt64(7);
        throw new InvalidOperationException($"team {a.TeamId} not in the result of: {sql}");
    }

    /// <summary>Every client session on the test database but the test's superuser ones, with its role's attributes.</summary>
    private async Task<List<(string, string, bool, bool)>> ProductSessionsAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.Database.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT a.usename::text, a.application_name, r.rolsuper, r.rolbypassrls
            FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid
            WHERE a.datname = current_database() AND a.backend_type = 'client backend' AND a.application_name <> @admin
            """, connection);
        command.Parameters.AddWithValue("admin", TestDatabase.AdminApplicationName);
        var sessions = new List<(string, string, bool, bool)>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            sessions.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetBoolean(3)));
        return sessions;
    }
}
