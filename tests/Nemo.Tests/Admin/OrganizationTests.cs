using System.Text.Json;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>The organization's lifecycle: settings, deletion (keys stop at once, members are freed, ledgers stay).</summary>
public sealed class OrganizationTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    [Fact]
    public async Task Settings_AreValidatedSaved_Audited_AndTheWebhookSecretIsForOwnersAndAdmins()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        string slug = $"acme-{Guid.NewGuid():N}"[..20];
        (int status, JsonElement org, string text) = await Client.SendAsync(HttpMethod.Patch, "/v1/organization", world.Admin.Key, new
        {
            name = "Acme", slug, logo_url = "https://cdn.example.com/acme.png", timezone = "Europe/Paris", data_retention_days = 30,
            data_processing = true, region = "eu", webhook_url = "https://hooks.example.com/nemo",
        });
        Assert.True(status == 200, text);
        Assert.Equal(slug, org.GetProperty("slug").GetString());
        Assert.Equal("Europe/Paris", org.GetProperty("timezone").GetString());
        Assert.Equal(30, org.GetProperty("data_retention_days").GetInt32());
        Assert.True(org.GetProperty("data_processing").GetBoolean());
        Assert.StartsWith("whsec_", org.GetProperty("webhook_secret").GetString());
        (status, JsonElement asMember, _) = await Client.SendAsync(HttpMethod.Get, "/v1/organization", world.Member.Key);
        Assert.Equal(JsonValueKind.Null, asMember.GetProperty("webhook_secret").ValueKind);
        Assert.Equal("https://hooks.example.com/nemo", asMember.GetProperty("webhook_url").GetString());
        string audit = await fixture.Database.ScalarAsync<string>(
            "SELECT after::text FROM nemo.audit_log WHERE organization_id = @org AND action = 'organization.update' ORDER BY id DESC LIMIT 1", ("org", world.OrganizationId));
        Assert.Contains("Europe/Paris", audit);
        Assert.DoesNotContain("whsec_", audit);

        (status, org, _) = await Client.SendAsync(HttpMethod.Patch, "/v1/organization", world.Owner.Key, new { logo_url = (string?)null, webhook_url = (string?)null });
        Assert.Equal(200, status);
        Assert.Equal(JsonValueKind.Null, org.GetProperty("logo_url").ValueKind);
        AdminWorld other = await AdminWorld.CreateAsync(Client, fixture.Database);
        (status, JsonElement taken, _) = await Client.SendAsync(HttpMethod.Patch, "/v1/organization", other.Owner.Key, new { slug });
        Assert.Equal(409, status);
        Assert.Equal("slug_taken", taken.Code());
    }

    [Fact]
    public async Task Delete_StopsEveryKeyOnTheNextRequest_FreesMembers_KeepsLedgerAndAudit()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        foreach (string key in new[] { world.Owner.Key, world.Member.Key })
            Assert.Equal(200, (await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", key, AdminHttp.Chat())).Status);

        (int status, JsonElement refused, _) = await Client.SendAsync(HttpMethod.Delete, "/v1/organization", world.Owner.Key, new { confirm = "wrong" });
        Assert.Equal(400, status);
        Assert.Equal("confirm", refused.Error().GetProperty("param").GetString());
        (status, _, string text) = await Client.SendAsync(HttpMethod.Delete, "/v1/organization", world.Owner.Key, new { confirm = world.Slug });
        Assert.True(status == 200, text);

        foreach (string key in new[] { world.Owner.Key, world.Member.Key, world.Viewer.Key })
        {
            Assert.Equal(401, (await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", key, AdminHttp.Chat())).Status);
            Assert.Equal(401, (await Client.SendAsync(HttpMethod.Get, "/v1/organization", key)).Status);
        }
        Assert.Equal("deleted", await fixture.Database.ScalarAsync<string>("SELECT status FROM nemo.organizations WHERE id = @org", ("org", world.OrganizationId)));
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>(
            "SELECT (SELECT count(*) FROM nemo.memberships WHERE organization_id = @org) + (SELECT count(*) FROM nemo.api_keys WHERE organization_id = @org) + (SELECT count(*) FROM nemo.teams WHERE organization_id = @org) + (SELECT count(*) FROM nemo.invitations WHERE organization_id = @org)",
            ("org", world.OrganizationId)));
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.credit_transactions WHERE organization_id = @org", ("org", world.OrganizationId)));
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.audit_log WHERE organization_id = @org AND action = 'organization.delete'", ("org", world.OrganizationId)));

        // The owner is free to start again (open signup's verification flow is covered by SignupTests).
        (status, _, text) = await Client.SendAsync(HttpMethod.Post, "/v1/signup", NemoTestHost.MasterKey, new { email = world.Owner.Email, organization_name = "Second try" });
        Assert.True(status == 201, text);
    }
}
