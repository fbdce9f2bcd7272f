using System.Text.Json;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>Members and roles: the last-owner guard, who may grant or remove owner, and role changes reaching the request path at once.</summary>
public sealed class MemberTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    /// <summary>A world whose second owner has been removed, so its owner is the last one.</summary>
    private async Task<AdminWorld> SingleOwnerAsync(decimal credits = 0m)
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits);
        (int status, _, string text) = await Client.SendAsync(HttpMethod.Delete, $"/v1/members/{world.SecondOwner.UserId}", world.Owner.Key);
        Assert.True(status == 200, text);
        return world;
    }

    [Fact]
    public async Task LastOwner_CannotBeDemoted_Removed_OrLeave_AndNothingChanges()
    {
        AdminWorld world = await SingleOwnerAsync();
        string before = await world.FingerprintAsync(fixture.Database);
        (int Status, JsonElement Body, string Text)[] refused =
        [
            await Client.SendAsync(HttpMethod.Patch, $"/v1/members/{world.Owner.UserId}", world.Owner.Key, new { role = "admin" }),
            await Client.SendAsync(HttpMethod.Delete, $"/v1/members/{world.Owner.UserId}", world.Owner.Key),
            await Client.SendAsync(HttpMethod.Post, "/v1/organization/leave", world.Owner.Key),
        ];
        foreach ((int status, JsonElement body, string text) in refused)
        {
            Assert.True(status == 409, text);
            Assert.Equal("last_owner", body.Code());
        }
        Assert.Equal(before, await world.FingerprintAsync(fixture.Database));
    }

    [Fact]
    public async Task WithTwoOwners_AnOwnerMayStepDownOrLeave()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Patch, $"/v1/members/{world.SecondOwner.UserId}", world.Owner.Key, new { role = "admin" });
        Assert.True(status == 200, text);
        Assert.Equal("admin", body.GetProperty("role").GetString());
        (status, _, text) = await Client.SendAsync(HttpMethod.Post, "/v1/organization/leave", world.Owner.Key);
        Assert.True(status == 409, text); // now the last owner
    }

    [Fact]
    public async Task Admins_CannotGrantDemoteOrRemoveOwners()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        string before = await world.FingerprintAsync(fixture.Database);
        (int Status, JsonElement Body, string Text)[] refused =
        [
            await Client.SendAsync(HttpMethod.Patch, $"/v1/members/{world.Member.UserId}", world.Admin.Key, new { role = "owner" }),
            await Client.SendAsync(HttpMethod.Patch, $"/v1/members/{world.SecondOwner.UserId}", world.Admin.Key, new { role = "member" }),
            await Client.SendAsync(HttpMethod.Delete, $"/v1/members/{world.SecondOwner.UserId}", world.Admin.Key),
        ];
        foreach ((int status, JsonElement body, string text) in refused)
        {
            Assert.True(status == 403, text);
            Assert.Equal("role_forbidden", body.Code());
        }
        Assert.Equal(before, await world.FingerprintAsync(fixture.Database));
        (int ok, _, string okText) = await Client.SendAsync(HttpMethod.Patch, $"/v1/members/{world.Member.UserId}", world.Owner.Key, new { role = "owner" });
        Assert.True(ok == 200, okText);
    }

    [Fact]
    public async Task Demotion_ToViewer_StopsLlmTraffic_OnTheNextRequest_AndAdminRights_OnTheNextCall()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        (int status, _, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Admin.Key, AdminHttp.Chat());
        Assert.True(status == 200, text);
        (status, _, text) = await Client.SendAsync(HttpMethod.Patch, $"/v1/members/{world.Admin.UserId}", world.Owner.Key, new { role = "viewer" });
        Assert.True(status == 200, text);

        (status, JsonElement body, _) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Admin.Key, AdminHttp.Chat());
        Assert.Equal(403, status);
        Assert.Equal("role_forbidden", body.Code());
        (status, body, _) = await Client.SendAsync(HttpMethod.Get, "/v1/audit", world.Admin.Key);
        Assert.Equal(403, status);
        (status, _, _) = await Client.SendAsync(HttpMethod.Get, "/v1/members", world.Admin.Key);
        Assert.Equal(200, status);
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM nemo.audit_log WHERE organization_id = @org AND action = 'member.role_change' AND target = @target AND before->>'role' = 'admin' AND after->>'role' = 'viewer'",
            ("org", world.OrganizationId), ("target", $"user:{world.Admin.UserId}")));
    }

    [Fact]
    public async Task Removal_RevokesTheMembersKeys_OnTheNextRequest_AndFreesTheUser()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        (int status, _, string text) = await Client.SendAsync(HttpMethod.Delete, $"/v1/members/{world.Member.UserId}", world.Admin.Key);
        Assert.True(status == 200, text);

        (status, _, _) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, AdminHttp.Chat());
        Assert.Equal(401, status);
        (status, _, _) = await Client.SendAsync(HttpMethod.Get, "/v1/organization", world.Member.Key);
        Assert.Equal(401, status);
        Assert.Equal("revoked", await fixture.Database.ScalarAsync<string>("SELECT status FROM nemo.api_keys WHERE id = @id", ("id", world.Member.KeyId)));

        // Free to join another organization.
        AdminWorld other = await AdminWorld.CreateAsync(Client, fixture.Database);
        (status, JsonElement invited, text) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations", other.Owner.Key, new { email = world.Member.Email });
        Assert.True(status == 201, text);
        (status, _, text) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations/accept", null, new { token = invited.GetProperty("token").GetString(), email = world.Member.Email });
        Assert.True(status == 201, text);
    }

    [Fact]
    public async Task Leave_ByAMember_RevokesTheirKeys()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/organization/leave", world.Viewer.Key);
        Assert.True(status == 200, text);
        Assert.Contains(world.Viewer.KeyId.ToString(), body.GetProperty("revoked_keys").GetRawText());
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.memberships WHERE user_id = @user", ("user", world.Viewer.UserId)));
        (status, _, _) = await Client.SendAsync(HttpMethod.Get, "/v1/organization", world.Viewer.Key);
        Assert.Equal(401, status);
    }

    [Fact]
    public async Task ChangingTeam_IsLeaveAndRejoin_AndTheMembersKeysFollow()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Patch, $"/v1/members/{world.Member.UserId}", world.Admin.Key, new { team_id = world.DefaultTeamId });
        Assert.True(status == 200, text);
        Assert.Equal(world.DefaultTeamId, body.GetProperty("team_id").GetGuid());
        Assert.Equal(world.DefaultTeamId, await fixture.Database.ScalarAsync<Guid>("SELECT team_id FROM nemo.api_keys WHERE id = @id", ("id", world.Member.KeyId)));
        (status, _, text) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, AdminHttp.Chat());
        Assert.True(status == 200, text);
        Assert.Equal(world.DefaultTeamId, await fixture.Database.ScalarAsync<Guid>(
            "SELECT team_id FROM nemo.usage_events WHERE key_id = @key ORDER BY seq DESC LIMIT 1", ("key", world.Member.KeyId)));
    }

    [Fact]
    public async Task Transfer_MakesTheTargetOwner_AndTheCallerAdmin()
    {
        AdminWorld world = await SingleOwnerAsync();
        (int status, _, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/organization/transfer", world.Owner.Key, new { user_id = world.Member.UserId });
        Assert.True(status == 200, text);
        Assert.Equal("owner", await fixture.Database.ScalarAsync<string>("SELECT role FROM nemo.memberships WHERE user_id = @u", ("u", world.Member.UserId)));
        Assert.Equal("admin", await fixture.Database.ScalarAsync<string>("SELECT role FROM nemo.memberships WHERE user_id = @u", ("u", world.Owner.UserId)));
        (status, _, _) = await Client.SendAsync(HttpMethod.Get, "/v1/billing", world.Owner.Key);
        Assert.Equal(403, status);
        (status, _, _) = await Client.SendAsync(HttpMethod.Get, "/v1/billing", world.Member.Key);
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task OneOrganizationAndOneTeamPerUser_AreEnforcedByTheDatabase()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        AdminWorld other = await AdminWorld.CreateAsync(Client, fixture.Database);
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => fixture.Database.ExecuteAsync(
            "INSERT INTO nemo.memberships (user_id, organization_id, team_id, role) VALUES (@u, @org, @team, 'member')",
            ("u", world.Member.UserId), ("org", other.OrganizationId), ("team", other.DefaultTeamId)));
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => fixture.Database.ExecuteAsync(
            "INSERT INTO nemo.memberships (user_id, organization_id, team_id, role) VALUES (@u, @org, @team, 'member')",
            ("u", world.Member.UserId), ("org", world.OrganizationId), ("team", world.DefaultTeamId)));
    }
}
