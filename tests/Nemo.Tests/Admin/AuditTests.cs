using System.Text.Json;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>The audit trail: every mutation leaves one entry (actor, IP, action, target, before/after), readable by owners and admins.</summary>
public sealed class AuditTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    private sealed record Mutation(string Action, Func<AdminWorld, (HttpMethod Method, string Path, string Bearer, object? Body)> Build);

    private static readonly Mutation[] Mutations =
    [
        new("organization.update", w => (HttpMethod.Patch, "/v1/organization", w.Admin.Key, new { region = "eu" })),
        new("organization.transfer", w => (HttpMethod.Post, "/v1/organization/transfer", w.Owner.Key, new { user_id = w.Admin.UserId })),
        new("organization.delete", w => (HttpMethod.Delete, "/v1/organization", w.Owner.Key, new { confirm = w.Slug })),
        new("member.leave", w => (HttpMethod.Post, "/v1/organization/leave", w.Viewer.Key, null)),
        new("member.role_change", w => (HttpMethod.Patch, $"/v1/members/{w.Member.UserId}", w.Admin.Key, new { role = "admin" })),
        new("member.team_change", w => (HttpMethod.Patch, $"/v1/members/{w.Member.UserId}", w.Admin.Key, new { team_id = w.DefaultTeamId })),
        new("member.remove", w => (HttpMethod.Delete, $"/v1/members/{w.Member.UserId}", w.Admin.Key, null)),
        new("team.create", w => (HttpMethod.Post, "/v1/teams", w.Admin.Key, new { name = "Audit" })),
        new("team.update", w => (HttpMethod.Patch, $"/v1/teams/{w.TeamId}", w.Admin.Key, new { tpm = 1000 })),
        new("team.delete", w => (HttpMethod.Delete, $"/v1/teams/{w.TeamId}", w.Admin.Key, null)),
        new("invitation.create", w => (HttpMethod.Post, "/v1/invitations", w.Admin.Key, new { email = $"a-{Guid.NewGuid():N}@example.com" })),
        new("invitation.revoke", w => (HttpMethod.Delete, $"/v1/invitations/{w.InvitationId}", w.Admin.Key, null)),
        new("invitation.accept", w => (HttpMethod.Post, "/v1/invitations/accept", "", new { token = w.InvitationToken, email = w.InvitationEmail })),
        new("invitation.decline", w => (HttpMethod.Post, "/v1/invitations/decline", "", new { token = w.InvitationToken })),
        new("key.create", w => (HttpMethod.Post, "/v1/keys", w.Member.Key, new { name = "audited" })),
        new("key.update", w => (HttpMethod.Patch, $"/v1/keys/{w.Member.KeyId}", w.Member.Key, new { name = "renamed" })),
        new("key.rotate", w => (HttpMethod.Post, $"/v1/keys/{w.Member.KeyId}/rotate", w.Member.Key, null)),
        new("key.revoke", w => (HttpMethod.Delete, $"/v1/keys/{w.Member.KeyId}", w.Member.Key, null)),
        new("budget.put", w => (HttpMethod.Put, $"/v1/budgets/customer/acme", w.Admin.Key, new { limit = 3, period = "daily" })),
        new("budget.delete", w => (HttpMethod.Delete, $"/v1/budgets/team/{w.TeamId}", w.Admin.Key, null)),
        new("credits.purchase", w => (HttpMethod.Post, "/v1/credits/purchase", w.Owner.Key, new { amount = 5 })),
        new("billing.plan_change", w => (HttpMethod.Patch, "/v1/billing", w.Owner.Key, new { plan = "tier2" })),
        new("credits.grant", w => (HttpMethod.Post, $"/v1/admin/organizations/{w.OrganizationId}/credits", NemoTestHost.MasterKey, new { amount = 5, reason = "goodwill" })),
        new("organization.terms_change", w => (HttpMethod.Patch, $"/v1/admin/organizations/{w.OrganizationId}", NemoTestHost.MasterKey, new { rpm = 100 })),
    ];

    public static TheoryData<string> Actions => [.. Mutations.Select(m => m.Action)];

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task EveryMutation_LeavesOneAuditEntry_WithActorIpTargetAndState(string action)
    {
        Mutation mutation = Mutations.Single(m => m.Action == action);
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        (HttpMethod method, string path, string bearer, object? body) = mutation.Build(world);
        long lastId = await fixture.Database.ScalarAsync<long>("SELECT coalesce(max(id), 0) FROM nemo.audit_log WHERE organization_id = @org", ("org", world.OrganizationId));

        (int status, _, string text) = await Client.SendAsync(method, path, bearer.Length == 0 ? null : bearer, body);
        Assert.True(status is >= 200 and < 300, text);

        // One entry of this action; inviting may add one more (an individual organization becoming an organization).
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.audit_log WHERE organization_id = @org AND id > @last AND action = @action",
            ("org", world.OrganizationId), ("last", lastId), ("action", action)));
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.audit_log WHERE organization_id = @org AND id > @last AND action NOT IN (@action, 'organization.kind_change')",
            ("org", world.OrganizationId), ("last", lastId), ("action", action)));
        await using var connection = new Npgsql.NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync();
        await using var read = new Npgsql.NpgsqlCommand("SELECT action, actor, ip, target, before IS NOT NULL OR after IS NOT NULL FROM nemo.audit_log WHERE organization_id = @org AND action = @action ORDER BY id DESC LIMIT 1", connection);
        read.Parameters.AddWithValue("org", world.OrganizationId);
        read.Parameters.AddWithValue("action", action);
        await using var reader = await read.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(action, reader.GetString(0));
        Assert.False(string.IsNullOrEmpty(reader.GetString(1)));
        Assert.Equal("127.0.0.1", reader.GetString(2));
        Assert.False(string.IsNullOrEmpty(reader.GetString(3)));
        Assert.True(reader.GetBoolean(4));
    }

    [Fact]
    public async Task AuditApi_FiltersAndPages_NewestFirst()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        for (int i = 0; i < 3; i++)
            Assert.Equal(200, (await Client.SendAsync(HttpMethod.Patch, "/v1/organization", world.Admin.Key, new { name = $"Name {i}" })).Status);
        Assert.Equal(201, (await Client.SendAsync(HttpMethod.Post, "/v1/keys", world.Member.Key, new { name = "k" })).Status);

        (int status, JsonElement page, string text) = await Client.SendAsync(HttpMethod.Get, "/v1/audit?action=organization&limit=2", world.Owner.Key);
        Assert.True(status == 200, text);
        JsonElement[] rows = [.. page.GetProperty("data").EnumerateArray()];
        Assert.Equal(2, rows.Length);
        Assert.All(rows, r => Assert.StartsWith("organization.", r.GetProperty("action").GetString()));
        Assert.Equal("Name 2", rows[0].GetProperty("after").GetProperty("name").GetString());
        Assert.Equal("Name 1", rows[0].GetProperty("before").GetProperty("name").GetString());
        Assert.Equal($"user:{world.Admin.UserId}", rows[0].GetProperty("actor").GetString());
        (status, JsonElement next, _) = await Client.SendAsync(HttpMethod.Get, $"/v1/audit?action=organization&limit=2&after={page.GetProperty("next_cursor").GetString()}", world.Owner.Key);
        Assert.Equal(200, status);
        Assert.True(next.GetProperty("data").GetArrayLength() >= 2); // Name 0 and organization.create
        (status, JsonElement keys, _) = await Client.SendAsync(HttpMethod.Get, "/v1/audit?action=key.create", world.Admin.Key);
        Assert.Equal("key.create", Assert.Single(keys.GetProperty("data").EnumerateArray()).GetProperty("action").GetString());
    }
}
