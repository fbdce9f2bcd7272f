using System.Text.Json;
using System.Text.RegularExpressions;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>
/// Open signup holds an email address only once its owner proves it: signup emails a verification token
/// (and answers the same whether or not the address is registered); verifying creates the organization.
/// The operator's master key still creates at once.
/// </summary>
public sealed partial class SignupTests(SignupTests.HeldEmail fixture) : IClassFixture<SignupTests.HeldEmail>
{
    /// <summary>The outbox is never sent during a test (hourly), so each email's body can be read from it.</summary>
    public sealed class HeldEmail : NemoHostFixture
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Nemo:Email:PollInterval"] = "01:00:00",
            ["Nemo:Signup:PermitsPerAddress"] = "1000",
            ["Nemo:Signup:PermitsOverall"] = "1000",
        };
    }

    private HttpClient Client => fixture.Host.Client;

    [GeneratedRegex("nemo_ver_[A-Za-z0-9_.-]+")]
    private static partial Regex TokenPattern();

    private async Task<string[]> BodiesTo(string email) =>
        [.. (await fixture.Database.ScalarAsync<string[]>(
            "SELECT coalesce(array_agg(body ORDER BY id), '{}') FROM nemo.email_outbox WHERE lower(to_address) = lower(@to)", ("to", email)))];

    private async Task<long> UsersWith(string email) =>
        await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.users WHERE lower(email) = lower(@e)", ("e", email));

    [Fact]
    public async Task OpenSignup_EmailsAToken_AndVerifyingCreatesTheOrganization()
    {
        string email = $"solo-{Guid.NewGuid():N}@example.com";
        (int status, JsonElement pending, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/signup", null, new { email, organization_name = "Solo Labs" });
        Assert.True(status == 202, text);
        Assert.Equal("verification_sent", pending.GetProperty("status").GetString());
        Assert.False(pending.TryGetProperty("api_key", out _));
        Assert.Equal(0L, await UsersWith(email)); // nothing is held before verification

        string token = TokenPattern().Match(Assert.Single(await BodiesTo(email))).Value;
        (status, JsonElement body, text) = await Client.SendAsync(HttpMethod.Post, "/v1/signup/verify", null, new { token });
        Assert.True(status == 201, text);
        string key = body.GetProperty("api_key").GetString()!;
        (status, JsonElement org, text) = await Client.SendAsync(HttpMethod.Get, "/v1/organization", key);
        Assert.True(status == 200, text);
        Assert.Equal("individual", org.GetProperty("kind").GetString());
        Assert.Equal("payg", org.GetProperty("plan").GetString());
        Assert.StartsWith("solo-labs-", org.GetProperty("slug").GetString());
        (status, JsonElement teams, _) = await Client.SendAsync(HttpMethod.Get, "/v1/teams", key);
        JsonElement team = Assert.Single(teams.GetProperty("data").EnumerateArray());
        Assert.True(team.GetProperty("is_default").GetBoolean());
        Assert.Equal(body.GetProperty("team_id").GetGuid(), team.GetProperty("id").GetGuid());
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM nemo.audit_log WHERE organization_id = @org AND action = 'organization.create' AND actor = @actor",
            ("org", body.GetProperty("organization_id").GetGuid()), ("actor", $"signup:{email}")));

        // The token can't make a second organization for the same address.
        (status, JsonElement again, _) = await Client.SendAsync(HttpMethod.Post, "/v1/signup/verify", null, new { token });
        Assert.Equal(409, status);
        Assert.Equal("already_member", again.Code());
    }

    [Fact]
    public async Task SigningUpWithSomeoneElsesAddress_DoesNotLockThemOutOfTheirInvitation()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        (int status, _, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/signup", null,
            new { email = world.InvitationEmail, organization_name = "Squatter" });
        Assert.True(status == 202, text);
        Assert.Equal(0L, await UsersWith(world.InvitationEmail));

        (status, JsonElement accepted, text) = await Client.SendAsync(HttpMethod.Post, "/v1/invitations/accept", null,
            new { token = world.InvitationToken, email = world.InvitationEmail });

        Assert.True(status == 201, text);
        Assert.Equal(world.OrganizationId, accepted.GetProperty("organization_id").GetGuid());
    }

    [Fact]
    public async Task TheAnswer_DoesNotRevealWhetherAnAddressIsRegistered()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        string fresh = $"fresh-{Guid.NewGuid():N}@example.com";
        string registered = world.Member.Email.ToUpperInvariant();

        (int freshStatus, _, string freshText) = await Client.SendAsync(HttpMethod.Post, "/v1/signup", null, new { email = fresh, organization_name = "X" });
        (int takenStatus, _, string takenText) = await Client.SendAsync(HttpMethod.Post, "/v1/signup", null, new { email = registered, organization_name = "X" });

        Assert.Equal(202, freshStatus);
        Assert.Equal(freshStatus, takenStatus);
        string Shape(string text, string email) => Regex.Replace(text.Replace(email, "EMAIL", StringComparison.Ordinal), "\\d{4}-\\d\\d-\\d\\dT[^\"]+", "TIME");
        Assert.Equal(Shape(freshText, fresh), Shape(takenText, registered));
        // The registered address's owner is told by email instead, without a token.
        string notice = Assert.Single(await BodiesTo(registered));
        Assert.DoesNotContain("nemo_ver_", notice);
        Assert.Contains("already belongs to an organization", notice);
    }

    [Fact]
    public async Task ATamperedOrExpiredToken_IsRefused_AndCreatesNothing()
    {
        string email = $"late-{Guid.NewGuid():N}@example.com";
        string expired = SignupTokens.Issue(email, "Late", TimeSpan.FromHours(1), new ManualTimeProvider(DateTimeOffset.UtcNow.AddDays(-2)));
        string genuine = SignupTokens.Issue(email, "Late", TimeSpan.FromHours(1));
        string other = SignupTokens.Issue($"other-{Guid.NewGuid():N}@example.com", "Late", TimeSpan.FromHours(1));
        string tampered = other[..other.IndexOf('.')] + genuine[genuine.IndexOf('.')..]; // another payload under this signature

        foreach (string token in new[] { expired, tampered, "nemo_ver_x.y", genuine[..^2] })
        {
            (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/signup/verify", null, new { token });
            Assert.True(status == 400, text);
            Assert.Equal("invalid_verification_token", body.Code());
            Assert.Equal("token", body.Error().GetProperty("param").GetString());
        }
        Assert.Equal(0L, await UsersWith(email));
    }

    [Fact]
    public async Task TheOperator_StillCreatesAtOnce()
    {
        string email = $"op-{Guid.NewGuid():N}@example.com";
        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/signup", NemoTestHost.MasterKey, new { email, organization_name = "Op Co" });
        Assert.True(status == 201, text);
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Get, "/v1/organization", body.GetProperty("api_key").GetString())).Status);
    }
}
