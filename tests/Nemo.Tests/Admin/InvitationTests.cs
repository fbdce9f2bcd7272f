using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Nemo.Gateway.Admin.Invitations;
using Nemo.Gateway.Email;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>Invitations end to end: create, accept, decline, revoke, expiry, reuse, already-a-member, bulk CSV, the email outbox.</summary>
public sealed class InvitationTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    private static string NewEmail() => $"invitee-{Guid.NewGuid():N}@example.com";

    private async Task<(Guid Id, string Token)> InviteAsync(string bearer, string email, string role = "member", Guid? team = null)
    {
        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations", bearer,
            team is null ? new { email, role } : new { email, role, team_id = team });
        Assert.True(status == 201, text);
        return (body.GetProperty("id").GetGuid(), body.GetProperty("token").GetString()!);
    }

    private Task<long> AuditCountAsync(Guid organization, string action, string target) => fixture.Database.ScalarAsync<long>(
        "SELECT count(*) FROM nemo.audit_log WHERE organization_id = @org AND action = @action AND target = @target",
        ("org", organization), ("action", action), ("target", target));

    [Fact]
    public async Task Create_ShowsTokenOnce_StoresOnlyItsHash_DefaultsToInvitersTeam_QueuesEmail_MakesAnOrganization()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        await fixture.Database.ExecuteAsync("UPDATE nemo.organizations SET kind = 'individual' WHERE id = @org", ("org", world.OrganizationId));
        string email = NewEmail();
        (Guid id, string token) = await InviteAsync(world.Admin.Key, email); // the admin is in the Default team

        Assert.StartsWith("nemo_inv_", token);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(token)),
            await fixture.Database.ScalarAsync<byte[]>("SELECT token_hash FROM nemo.invitations WHERE id = @id", ("id", id)));
        Assert.Equal(world.DefaultTeamId, await fixture.Database.ScalarAsync<Guid>("SELECT team_id FROM nemo.invitations WHERE id = @id", ("id", id)));
        Assert.Equal("organization", await fixture.Database.ScalarAsync<string>("SELECT kind FROM nemo.organizations WHERE id = @org", ("org", world.OrganizationId)));
        (int status, JsonElement list, _) = await Client.SendAsync(HttpMethod.Get, "/v1/invitations", world.Owner.Key);
        Assert.Equal(200, status);
        Assert.DoesNotContain(token, list.GetRawText());
        Assert.Contains(list.GetProperty("data").EnumerateArray(), i => i.GetProperty("id").GetGuid() == id);
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.email_outbox WHERE to_address = @email", ("email", email)));

        EmailOutboxService outbox = fixture.Host.Get<EmailOutboxService>();
        await Eventually.TrueAsync(async () =>
        {
            await outbox.RunOnceAsync(CancellationToken.None);
            return await fixture.Database.ScalarAsync<bool>("SELECT sent_at IS NOT NULL AND body IS NULL FROM nemo.email_outbox WHERE to_address = @email", ("email", email));
        }, "the invitation email to be sent and its body (holding the token) cleared");
    }

    [Fact]
    public async Task Accept_CreatesUserMembershipAndFirstKey_AuditsIt_AndTheTokenCannotBeReused()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        string email = NewEmail();
        (Guid id, string token) = await InviteAsync(world.Owner.Key, email, "admin", world.TeamId);

        (int status, JsonElement accepted, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations/accept", null, new { token, email = email.ToUpperInvariant() });
        Assert.True(status == 201, text);
        Assert.Equal(world.OrganizationId, accepted.GetProperty("organization_id").GetGuid());
        Assert.Equal(world.TeamId, accepted.GetProperty("team_id").GetGuid());
        Assert.Equal("admin", accepted.GetProperty("role").GetString());
        string key = accepted.GetProperty("api_key").GetString()!;
        (status, _, text) = await Client.SendAsync(HttpMethod.Get, "/v1/invitations", key); // an admin now
        Assert.True(status == 200, text);
        (status, _, text) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", key, AdminHttp.Chat());
        Assert.True(status == 200, text);
        Assert.Equal(1L, await AuditCountAsync(world.OrganizationId, "invitation.accept", $"invitation:{id}"));

        string before = await world.FingerprintAsync(fixture.Database);
        (status, JsonElement reused, _) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations/accept", null, new { token, email });
        Assert.Equal(410, status);
        Assert.Equal("invitation_used", reused.Code());
        Assert.Equal(before, await world.FingerprintAsync(fixture.Database));
    }

    [Fact]
    public async Task Accept_WhenAlreadyInAnOrganization_IsRefused_AndChangesNothing()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        AdminWorld other = await AdminWorld.CreateAsync(Client, fixture.Database);
        (Guid id, string token) = await InviteAsync(world.Owner.Key, other.Member.Email);
        string before = await world.FingerprintAsync(fixture.Database);
        string beforeOther = await other.FingerprintAsync(fixture.Database);

        (int status, JsonElement body, _) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations/accept", null, new { token, email = other.Member.Email });

        Assert.Equal(409, status);
        Assert.Equal("already_member", body.Code());
        Assert.Equal(before, await world.FingerprintAsync(fixture.Database));
        Assert.Equal(beforeOther, await other.FingerprintAsync(fixture.Database));
        Assert.Equal("pending", await fixture.Database.ScalarAsync<string>("SELECT status FROM nemo.invitations WHERE id = @id", ("id", id)));
    }

    [Fact]
    public async Task Expiry_TheSweepMarksAndAuditsIt_ThenAcceptIsGone()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        string email = NewEmail();
        (Guid id, string token) = await InviteAsync(world.Owner.Key, email);
        await fixture.Database.ExecuteAsync("UPDATE nemo.invitations SET expires_at = now() - interval '1 second' WHERE id = @id", ("id", id));

        Assert.True(await fixture.Host.Get<InvitationStore>().ExpireDueAsync(CancellationToken.None) >= 1);
        Assert.Equal("expired", await fixture.Database.ScalarAsync<string>("SELECT status FROM nemo.invitations WHERE id = @id", ("id", id)));
        Assert.Equal(1L, await AuditCountAsync(world.OrganizationId, "invitation.expire", $"invitation:{id}"));
        Assert.Equal("system", await fixture.Database.ScalarAsync<string>(
            "SELECT actor FROM nemo.audit_log WHERE action = 'invitation.expire' AND target = @target", ("target", $"invitation:{id}")));

        (int status, JsonElement body, _) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations/accept", null, new { token, email });
        Assert.Equal(410, status);
        Assert.Equal("invitation_expired", body.Code());
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.users WHERE lower(email) = lower(@email)", ("email", email)));
        Assert.Equal(1L, await AuditCountAsync(world.OrganizationId, "invitation.expire", $"invitation:{id}"));
    }

    [Fact]
    public async Task Expiry_NotYetSwept_IsRecordedOnceAtAccept()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        string email = NewEmail();
        (Guid id, string token) = await InviteAsync(world.Owner.Key, email);
        await fixture.Database.ExecuteAsync("UPDATE nemo.invitations SET expires_at = now() - interval '1 second' WHERE id = @id", ("id", id));

        for (int i = 0; i < 2; i++)
        {
            (int status, JsonElement body, _) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations/accept", null, new { token, email });
            Assert.Equal(410, status);
            Assert.Equal("invitation_expired", body.Code());
        }
        Assert.Equal(1L, await AuditCountAsync(world.OrganizationId, "invitation.expire", $"invitation:{id}"));
    }

    [Fact]
    public async Task ExpiryDays_AreConfigurablePerOrganization()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        (int status, _, string text) = await Client.SendAsync(HttpMethod.Patch, "/v1/organization", world.Owner.Key, new { invitation_expiry_days = 2 });
        Assert.True(status == 200, text);
        (Guid id, _) = await InviteAsync(world.Owner.Key, NewEmail());
        double days = await fixture.Database.ScalarAsync<double>("SELECT (extract(epoch FROM expires_at - created_at) / 86400)::float8 FROM nemo.invitations WHERE id = @id", ("id", id));
        Assert.Equal(2.0, days, 3);
        (Guid defaultId, _) = await InviteAsync((await AdminWorld.CreateAsync(Client, fixture.Database)).Owner.Key, NewEmail());
        Assert.Equal(7.0, await fixture.Database.ScalarAsync<double>("SELECT (extract(epoch FROM expires_at - created_at) / 86400)::float8 FROM nemo.invitations WHERE id = @id", ("id", defaultId)), 3);
    }

    [Fact]
    public async Task Revoke_IsAudited_AndTheTokenStopsWorking()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        string email = NewEmail();
        (Guid id, string token) = await InviteAsync(world.Owner.Key, email);

        (int status, JsonElement revoked, string text) = await Client.SendAsync(HttpMethod.Delete, $"/v1/invitations/{id}", world.Admin.Key);
        Assert.True(status == 200, text);
        Assert.Equal("revoked", revoked.GetProperty("status").GetString());
        Assert.Equal(1L, await AuditCountAsync(world.OrganizationId, "invitation.revoke", $"invitation:{id}"));
        (status, JsonElement again, _) = await Client.SendAsync(HttpMethod.Delete, $"/v1/invitations/{id}", world.Admin.Key);
        Assert.Equal(409, status);
        Assert.Equal("invitation_revoked", again.Code());
        (status, JsonElement accept, _) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations/accept", null, new { token, email });
        Assert.Equal(410, status);
        Assert.Equal("invitation_revoked", accept.Code());
    }

    [Fact]
    public async Task Decline_IsAudited_AndTheTokenCannotBeAcceptedAfterwards()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        string email = NewEmail();
        (Guid id, string token) = await InviteAsync(world.Owner.Key, email);

        (int status, JsonElement declined, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations/decline", null, new { token });
        Assert.True(status == 200, text);
        Assert.Equal("declined", declined.GetProperty("status").GetString());
        Assert.Equal(1L, await AuditCountAsync(world.OrganizationId, "invitation.decline", $"invitation:{id}"));
        (status, JsonElement accept, _) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations/accept", null, new { token, email });
        Assert.Equal(410, status);
        Assert.Equal("invitation_declined", accept.Code());
        (status, JsonElement declineAgain, _) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations/decline", null, new { token });
        Assert.Equal(410, status);
        Assert.Equal("invitation_declined", declineAgain.Code());
    }

    [Theory]
    [InlineData("{\"token\":\"nemo_inv_0000000000000000000000000000000000000000000\",\"email\":\"x@example.com\"}", 404, "invitation_not_found")]
    [InlineData("{\"token\":\"garbage\",\"email\":\"x@example.com\"}", 404, "invitation_not_found")]
    [InlineData("{\"email\":\"x@example.com\"}", 400, "missing_required_parameter")]
    [InlineData("{\"token\":\"TOKEN\"}", 400, "missing_required_parameter")]
    [InlineData("{\"token\":\"TOKEN\",\"email\":\"someone-else@example.com\"}", 400, "email_mismatch")]
    [InlineData("{\"token\":\"TOKEN\",\"email\":\"EMAIL\",\"role\":\"owner\"}", 400, "unknown_parameter")]
    [InlineData("{\"token\":42,\"email\":\"EMAIL\"}", 400, "invalid_type")]
    public async Task Accept_BadInput_IsRefused_AndChangesNothing(string body, int expectedStatus, string code)
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        string before = await world.FingerprintAsync(fixture.Database);
        (int status, JsonElement error, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations/accept", null,
            body.Replace("TOKEN", world.InvitationToken).Replace("EMAIL", world.InvitationEmail));
        Assert.True(status == expectedStatus, text);
        Assert.Equal(code, error.Code());
        Assert.Equal(before, await world.FingerprintAsync(fixture.Database));
    }

    [Fact]
    public async Task OnlyAnOwner_InvitesOwners()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        (int status, JsonElement body, _) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations", world.Admin.Key, new { email = NewEmail(), role = "owner" });
        Assert.Equal(403, status);
        Assert.Equal("role_forbidden", body.Code());
        await InviteAsync(world.Owner.Key, NewEmail(), "owner");
    }

    [Fact]
    public async Task Invite_AnExistingMemberOrATwicePendingEmail_IsAConflict()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        (int status, JsonElement body, _) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations", world.Owner.Key, new { email = world.Member.Email.ToUpperInvariant() });
        Assert.Equal(409, status);
        Assert.Equal("already_member", body.Code());
        (status, body, _) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations", world.Owner.Key, new { email = world.InvitationEmail });
        Assert.Equal(409, status);
        Assert.Equal("invitation_pending", body.Code());
    }

    [Fact]
    public async Task BulkCsv_CreatesEveryRow_OrNoneWithEveryProblemListed()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        string a = NewEmail(), b = NewEmail(), c = NewEmail();
        string csv = $"email,role,team_id\n{a},viewer,\n\"{b}\",admin,{world.TeamId}\r\n{c},,\n";
        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations/bulk", world.Owner.Key,
            new StringContent(csv, Encoding.UTF8, "text/csv"));
        Assert.True(status == 201, text);
        JsonElement[] created = [.. body.GetProperty("data").EnumerateArray()];
        Assert.Equal([a, b, c], created.Select(i => i.GetProperty("email").GetString()));
        Assert.Equal(["viewer", "admin", "member"], created.Select(i => i.GetProperty("role").GetString()));
        Assert.Equal(world.TeamId, created[1].GetProperty("team_id").GetGuid());
        Assert.All(created, i => Assert.StartsWith("nemo_inv_", i.GetProperty("token").GetString()));

        string before = await world.FingerprintAsync(fixture.Database);
        string bad = $"email,role\n{NewEmail()},member\nnot-an-email,member\n{NewEmail()},boss\n";
        (status, JsonElement error, text) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations/bulk", world.Owner.Key, new StringContent(bad, Encoding.UTF8, "text/csv"));
        Assert.Equal(400, status);
        Assert.Equal("invalid_csv", error.Code());
        string message = error.Error().GetProperty("message").GetString()!;
        Assert.Contains("row 3", message);
        Assert.Contains("row 4", message);
        Assert.Equal(before, await world.FingerprintAsync(fixture.Database));
        (status, error, _) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations/bulk", world.Owner.Key, new { email = NewEmail() });
        Assert.Equal(415, status);
        Assert.Equal("unsupported_media_type", error.Code());
    }
}
