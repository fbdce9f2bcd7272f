using System.Text.Json;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>Teams: create, rename, limits, and delete (members and keys move to Default; the Default team stays).</summary>
public sealed class TeamTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    [Fact]
    public async Task Delete_MovesMembersAndKeysToDefault_RemovesItsBudget_AndKeysKeepWorking()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Delete, $"/v1/teams/{world.TeamId}", world.Admin.Key);
        Assert.True(status == 200, text);
        Assert.Equal(2L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.memberships WHERE team_id = @t AND user_id IN (@m, @v)",
            ("t", world.DefaultTeamId), ("m", world.Member.UserId), ("v", world.Viewer.UserId)));
        Assert.Equal(world.DefaultTeamId, await fixture.Database.ScalarAsync<Guid>("SELECT team_id FROM nemo.api_keys WHERE id = @id", ("id", world.Member.KeyId)));
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.budgets WHERE organization_id = @org AND scope = 'team'", ("org", world.OrganizationId)));
        (status, _, text) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, AdminHttp.Chat());
        Assert.True(status == 200, text);
        (status, body, _) = await Client.SendAsync(HttpMethod.Get, "/v1/teams", world.Viewer.Key);
        Assert.Single(body.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task DefaultTeam_CannotBeDeletedOrDisabled_ButCanBeRenamed()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        string before = await world.FingerprintAsync(fixture.Database);
        (int status, JsonElement body, _) = await Client.SendAsync(HttpMethod.Delete, $"/v1/teams/{world.DefaultTeamId}", world.Owner.Key);
        Assert.Equal(400, status);
        Assert.Equal("default_team", body.Code());
        (status, body, _) = await Client.SendAsync(HttpMethod.Patch, $"/v1/teams/{world.DefaultTeamId}", world.Owner.Key, new { status = "disabled" });
        Assert.Equal(400, status);
        Assert.Equal(before, await world.FingerprintAsync(fixture.Database));
        (status, body, _) = await Client.SendAsync(HttpMethod.Patch, $"/v1/teams/{world.DefaultTeamId}", world.Owner.Key, new { name = "Everyone" });
        Assert.Equal(200, status);
        Assert.True(body.GetProperty("is_default").GetBoolean());
    }

    [Fact]
    public async Task DisablingATeam_RefusesItsKeys_OnTheNextRequest_AndANameIsUniquePerOrganization()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        (int status, _, string text) = await Client.SendAsync(HttpMethod.Patch, $"/v1/teams/{world.TeamId}", world.Owner.Key, new { status = "disabled" });
        Assert.True(status == 200, text);
        (status, JsonElement body, _) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, AdminHttp.Chat());
        Assert.Equal(403, status);
        Assert.Equal("team_disabled", body.Code());
        (status, body, _) = await Client.SendAsync(HttpMethod.Post, "/v1/teams", world.Owner.Key, new { name = "research" });
        Assert.Equal(409, status);
        Assert.Equal("team_name_taken", body.Code());
        (status, body, text) = await Client.SendAsync(HttpMethod.Post, "/v1/teams", world.Owner.Key, new { name = "Ops", rpm = 5 });
        Assert.True(status == 201, text);
        Assert.Equal(5, body.GetProperty("rpm").GetInt64());
    }
}
