using System.Text;
using System.Text.Json;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>
/// Bad input on every admin route — missing fields, wrong types, unknown fields and ids, oversized
/// bodies — gets 400/404/413/415 with a specific code naming the parameter, and changes nothing.
/// Paths and bodies use placeholders: TEAM, MEMBER, MEMBER_KEY, DEFAULT_TEAM, ORG (this organization's
/// ids), RANDOM (a UUID that names nothing) and HUGE (a 1.1 MB string). Text fields, route values,
/// query values and CSV cells with a NUL (\u0000) or an unpaired surrogate (\ud800) get 400 invalid_text.
/// (A NUL or invalid UTF-8 in the path itself is refused by Kestrel with a bare 400 before any route runs.)
/// </summary>
public sealed class BadInputTests(AdminHostFixture fixture) : IClassFixture<AdminHostFixture>
{
    private const string Owner = "owner";
    private const string Operator = "operator";
    private const string Nobody = "nobody";

    public static TheoryData<string, string, string, string?, int, string, string?> Cases => new()
    {
        // caller, method, path, body, status, code, param
        { Owner, "POST", "/v1/teams", "{}", 400, "missing_required_parameter", "name" },
        { Owner, "POST", "/v1/teams", "{\"name\":5}", 400, "invalid_type", "name" },
        { Owner, "POST", "/v1/teams", "{\"name\":\"x\",\"rpm\":-1}", 400, "invalid_value", "rpm" },
        { Owner, "POST", "/v1/teams", "{\"name\":\"x\",\"rpm\":1.5}", 400, "invalid_value", "rpm" },
        { Owner, "POST", "/v1/teams", "{\"name\":\"x\",\"colour\":\"red\"}", 400, "unknown_parameter", "colour" },
        { Owner, "POST", "/v1/teams", "[1]", 400, "invalid_json", null },
        { Owner, "POST", "/v1/teams", "{bad", 400, "invalid_json", null },
        { Owner, "POST", "/v1/teams", "", 400, "invalid_json", null },
        { Owner, "POST", "/v1/teams", "{\"name\":\"HUGE\"}", 413, "request_too_large", null },
        { Owner, "PATCH", "/v1/teams/RANDOM", "{\"name\":\"x\"}", 404, "team_not_found", null },
        { Owner, "PATCH", "/v1/teams/not-a-uuid", "{\"name\":\"x\"}", 404, "team_not_found", null },
        { Owner, "PATCH", "/v1/teams/TEAM", "{}", 400, "missing_required_parameter", null },
        { Owner, "PATCH", "/v1/teams/TEAM", "{\"status\":\"paused\"}", 400, "invalid_value", "status" },
        { Owner, "PATCH", "/v1/teams/TEAM", "{\"name\":\"\"}", 400, "invalid_value", "name" },
        { Owner, "DELETE", "/v1/teams/RANDOM", null, 404, "team_not_found", null },

        { Owner, "PATCH", "/v1/organization", "{}", 400, "missing_required_parameter", null },
        { Owner, "PATCH", "/v1/organization", "{\"slug\":\"Bad Slug\"}", 400, "invalid_value", "slug" },
        { Owner, "PATCH", "/v1/organization", "{\"slug\":\"deleted-x1\"}", 400, "invalid_value", "slug" },
        { Owner, "PATCH", "/v1/organization", "{\"timezone\":\"Mars/Olympus_Mons\"}", 400, "invalid_value", "timezone" },
        { Owner, "PATCH", "/v1/organization", "{\"data_retention_days\":0}", 400, "invalid_value", "data_retention_days" },
        { Owner, "PATCH", "/v1/organization", "{\"data_retention_days\":\"30\"}", 400, "invalid_type", "data_retention_days" },
        { Owner, "PATCH", "/v1/organization", "{\"data_retention_days\":null}", 400, "invalid_value", "data_retention_days" },
        { Owner, "PATCH", "/v1/organization", "{\"data_processing\":\"yes\"}", 400, "invalid_type", "data_processing" },
        { Owner, "PATCH", "/v1/organization", "{\"content_logging\":1}", 400, "invalid_type", "content_logging" },
        { Owner, "PATCH", "/v1/organization", "{\"content_logging\":null}", 400, "invalid_value", "content_logging" },
        { Owner, "GET", "/v1/logs/not-a-uuid/content", null, 404, "request_content_not_found", null },
        { Owner, "GET", "/v1/logs/RANDOM/content", null, 404, "request_content_not_found", null },
        { Owner, "PATCH", "/v1/organization", "{\"region\":\"moon\"}", 400, "invalid_value", "region" },
        { Owner, "PATCH", "/v1/organization", "{\"logo_url\":\"ftp://example.com/logo.png\"}", 400, "invalid_value", "logo_url" },
        { Owner, "PATCH", "/v1/organization", "{\"webhook_url\":\"not a url\"}", 400, "invalid_value", "webhook_url" },
        { Owner, "PATCH", "/v1/organization", "{\"name\":null}", 400, "invalid_value", "name" },
        { Owner, "PATCH", "/v1/organization", "{\"invitation_expiry_days\":31}", 400, "invalid_value", "invitation_expiry_days" },
        { Owner, "PATCH", "/v1/organization", "{\"plan\":\"tier3\"}", 400, "unknown_parameter", "plan" },
        { Owner, "DELETE", "/v1/organization", null, 400, "missing_required_parameter", "confirm" },
        { Owner, "DELETE", "/v1/organization", "{\"confirm\":\"not-the-slug\"}", 400, "invalid_value", "confirm" },
        { Owner, "POST", "/v1/organization/transfer", "{}", 400, "missing_required_parameter", "user_id" },
        { Owner, "POST", "/v1/organization/transfer", "{\"user_id\":\"x\"}", 400, "invalid_value", "user_id" },
        { Owner, "POST", "/v1/organization/transfer", "{\"user_id\":\"RANDOM\"}", 404, "member_not_found", "user_id" },
        { Owner, "POST", "/v1/organization/leave", "{\"now\":true}", 400, "unknown_parameter", "now" },

        { Owner, "PATCH", "/v1/members/RANDOM", "{\"role\":\"admin\"}", 404, "member_not_found", null },
        { Owner, "PATCH", "/v1/members/MEMBER", "{\"role\":\"god\"}", 400, "invalid_value", "role" },
        { Owner, "PATCH", "/v1/members/MEMBER", "{}", 400, "missing_required_parameter", "role" },
        { Owner, "PATCH", "/v1/members/MEMBER", "{\"team_id\":\"RANDOM\"}", 404, "team_not_found", "team_id" },
        { Owner, "DELETE", "/v1/members/RANDOM", null, 404, "member_not_found", null },

        { Owner, "POST", "/v1/invitations", "{\"email\":\"nope\"}", 400, "invalid_value", "email" },
        { Owner, "POST", "/v1/invitations", "{\"email\":\"a@b.co\",\"role\":\"king\"}", 400, "invalid_value", "role" },
        { Owner, "POST", "/v1/invitations", "{\"email\":\"a@b.co\",\"team_id\":\"RANDOM\"}", 404, "team_not_found", "team_id" },
        { Owner, "POST", "/v1/invitations", "{\"email\":[\"a@b.co\"]}", 400, "invalid_type", "email" },
        { Owner, "DELETE", "/v1/invitations/RANDOM", null, 404, "invitation_not_found", null },
        { Owner, "POST", "/v1/invitations/bulk", "email\nHUGE@example.com\n", 413, "request_too_large", null },
        { Owner, "POST", "/v1/invitations/bulk", "name,email\nx,a@b.co\n", 400, "invalid_csv", null },
        { Owner, "POST", "/v1/invitations/bulk", "email,team_id\na@b.co,RANDOM\n", 404, "team_not_found", "team_id" },
        { Nobody, "POST", "/v1/invitations/decline", "{}", 400, "missing_required_parameter", "token" },
        { Nobody, "POST", "/v1/invitations/decline", "{\"token\":\"nemo_inv_0000000000000000000000000000000000000000000\"}", 404, "invitation_not_found", "token" },
        { Nobody, "POST", "/v1/invitations/accept", "{\"token\":\"HUGE\",\"email\":\"a@b.co\"}", 413, "request_too_large", null },

        { Owner, "POST", "/v1/keys", "{}", 400, "missing_required_parameter", "name" },
        { Owner, "POST", "/v1/keys", "{\"name\":\"k\",\"expires_at\":\"2001-01-01T00:00:00Z\"}", 400, "invalid_value", "expires_at" },
        { Owner, "POST", "/v1/keys", "{\"name\":\"k\",\"expires_at\":\"tomorrow\"}", 400, "invalid_value", "expires_at" },
        { Owner, "POST", "/v1/keys", "{\"name\":\"k\",\"rpm\":0}", 400, "invalid_value", "rpm" },
        { Owner, "POST", "/v1/keys", "{\"name\":\"k\",\"team_id\":\"RANDOM\"}", 404, "team_not_found", "team_id" },
        { Owner, "POST", "/v1/keys", "{\"name\":\"k\",\"scope\":\"planet\"}", 400, "invalid_value", "scope" },
        { Owner, "POST", "/v1/keys", "{\"name\":\"k\",\"scope\":\"organization\",\"team_id\":\"TEAM\"}", 400, "invalid_value", "team_id" },
        { Owner, "POST", "/v1/keys", "{\"name\":\"k\",\"rpm\":1,\"limits\":{\"rpm\":2}}", 400, "invalid_value", "limits" },
        { Owner, "POST", "/v1/keys", "{\"name\":\"k\",\"limits\":{\"rph\":2}}", 400, "unknown_parameter", "rph" },
        { Owner, "POST", "/v1/keys", "{\"name\":\"HUGE\"}", 413, "request_too_large", null },
        { Owner, "GET", "/v1/keys/RANDOM", null, 404, "key_not_found", null },
        { Owner, "PATCH", "/v1/keys/MEMBER_KEY", "{\"disabled\":\"yes\"}", 400, "invalid_type", "disabled" },
        { Owner, "PATCH", "/v1/keys/MEMBER_KEY", "{}", 400, "missing_required_parameter", null },
        { Owner, "PATCH", "/v1/keys/MEMBER_KEY", "{\"expires_at\":\"2001-01-01T00:00:00Z\"}", 400, "invalid_value", "expires_at" },
        { Owner, "DELETE", "/v1/keys/RANDOM", null, 404, "key_not_found", null },
        { Owner, "POST", "/v1/keys/MEMBER_KEY/rotate", "{\"grace_period_seconds\":-1}", 400, "invalid_value", "grace_period_seconds" },
        { Owner, "POST", "/v1/keys/MEMBER_KEY/rotate", "{\"grace_period_seconds\":99999999}", 400, "invalid_value", "grace_period_seconds" },
        { Owner, "POST", "/v1/keys/RANDOM/rotate", null, 404, "key_not_found", null },

        { Owner, "PUT", "/v1/budgets/team/TEAM", "{}", 400, "missing_required_parameter", "limit" },
        { Owner, "PUT", "/v1/budgets/team/TEAM", "{\"limit\":\"5\",\"period\":\"monthly\"}", 400, "invalid_type", "limit" },
        { Owner, "PUT", "/v1/budgets/team/TEAM", "{\"limit\":-1,\"period\":\"monthly\"}", 400, "invalid_value", "limit" },
        { Owner, "PUT", "/v1/budgets/team/TEAM", "{\"limit\":0.0000000001,\"period\":\"monthly\"}", 400, "invalid_value", "limit" },
        { Owner, "PUT", "/v1/budgets/team/TEAM", "{\"limit\":5,\"period\":\"hourly\"}", 400, "invalid_value", "period" },
        { Owner, "PUT", "/v1/budgets/team/TEAM", "{\"limit\":5}", 400, "missing_required_parameter", "period" },
        { Owner, "PUT", "/v1/budgets/team/TEAM", "{\"limit\":5,\"period\":\"monthly\",\"soft_thresholds\":[0]}", 400, "invalid_value", "soft_thresholds" },
        { Owner, "PUT", "/v1/budgets/team/TEAM", "{\"limit\":5,\"period\":\"monthly\",\"soft_thresholds\":\"50\"}", 400, "invalid_value", "soft_thresholds" },
        { Owner, "PUT", "/v1/budgets/team/TEAM", "{\"limit\":\"HUGE\",\"period\":\"monthly\"}", 413, "request_too_large", null },
        { Owner, "PUT", "/v1/budgets/planet/x", "{\"limit\":5,\"period\":\"monthly\"}", 400, "invalid_value", "scope" },
        { Owner, "PUT", "/v1/budgets/team/RANDOM", "{\"limit\":5,\"period\":\"monthly\"}", 404, "team_not_found", null },
        { Owner, "PUT", "/v1/budgets/key/not-a-uuid", "{\"limit\":5,\"period\":\"monthly\"}", 404, "key_not_found", null },
        { Owner, "PUT", "/v1/budgets/organization/RANDOM", "{\"limit\":5,\"period\":\"monthly\"}", 404, "organization_not_found", null },
        { Owner, "DELETE", "/v1/budgets/customer/nobody", null, 404, "budget_not_found", null },
        { Owner, "GET", "/v1/budgets/team/DEFAULT_TEAM", null, 404, "budget_not_found", null },

        { Owner, "POST", "/v1/credits/purchase", "{}", 400, "missing_required_parameter", "amount" },
        { Owner, "POST", "/v1/credits/purchase", "{\"amount\":0}", 400, "invalid_value", "amount" },
        { Owner, "POST", "/v1/credits/purchase", "{\"amount\":1000000000000}", 400, "invalid_value", "amount" },
        { Owner, "POST", "/v1/credits/purchase", "{\"amount\":\"10\"}", 400, "invalid_type", "amount" },
        { Owner, "PATCH", "/v1/billing", "{\"plan\":\"gold\"}", 400, "invalid_value", "plan" },
        { Owner, "PATCH", "/v1/billing", "{}", 400, "missing_required_parameter", "plan" },

        { Nobody, "POST", "/v1/signup", "{\"email\":\"x\",\"organization_name\":\"X\"}", 400, "invalid_value", "email" },
        { Nobody, "POST", "/v1/signup", "{\"email\":\"x@example.com\"}", 400, "missing_required_parameter", "organization_name" },
        { Operator, "POST", "/v1/admin/organizations", "{\"name\":\"x\"}", 400, "missing_required_parameter", "owner_email" },
        { Operator, "POST", "/v1/admin/organizations", "{\"name\":\"x\",\"owner_email\":\"x@example.com\",\"plan\":\"gold\"}", 400, "invalid_value", "plan" },
        { Operator, "POST", "/v1/admin/organizations/RANDOM/credits", "{\"amount\":1}", 404, "organization_not_found", null },
        { Operator, "POST", "/v1/admin/organizations/ORG/credits", "{\"amount\":-1}", 400, "invalid_value", "amount" },
        { Operator, "PATCH", "/v1/admin/organizations/ORG", "{\"plan\":\"gold\"}", 400, "invalid_value", "plan" },
        { Operator, "PATCH", "/v1/admin/organizations/ORG", "{\"fee_basis_points\":10001}", 400, "invalid_value", "fee_basis_points" },
        { Operator, "GET", "/v1/admin/organizations/RANDOM", null, 404, "organization_not_found", null },
        { Operator, "GET", "/v1/admin/organizations?limit=0", null, 400, "invalid_value", "limit" },
        { Owner, "GET", "/v1/audit?limit=abc", null, 400, "invalid_value", "limit" },
        { Owner, "GET", "/v1/audit?after=%25%25", null, 400, "invalid_value", "after" },
        { Nobody, "POST", "/v1/signup", "{\"email\":\"HUGE\",\"organization_name\":\"X\"}", 413, "request_too_large", null },
        { Nobody, "POST", "/v1/signup/verify", "{}", 400, "missing_required_parameter", "token" },
        { Nobody, "POST", "/v1/signup/verify", "{\"token\":\"nemo_ver_abc.def\"}", 400, "invalid_verification_token", "token" },

        // NUL and unpaired surrogates, in every kind of string the admin API takes (issue 8).
        { Nobody, "POST", "/v1/signup", "{\"email\":\"x@example.com\",\"organization_name\":\"A\\u0000B\"}", 400, "invalid_text", "organization_name" },
        { Nobody, "POST", "/v1/signup", "{\"email\":\"x\\ud800@example.com\",\"organization_name\":\"X\"}", 400, "invalid_text", "email" },
        { Nobody, "POST", "/v1/signup/verify", "{\"token\":\"nemo_ver_\\u0000\"}", 400, "invalid_text", "token" },
        { Operator, "POST", "/v1/admin/organizations", "{\"name\":\"\\udc00x\",\"owner_email\":\"x@example.com\"}", 400, "invalid_text", "name" },
        { Operator, "PATCH", "/v1/admin/organizations/ORG", "{\"plan\":\"tier2\\u0000\"}", 400, "invalid_text", "plan" },
        { Operator, "POST", "/v1/admin/organizations/ORG/credits", "{\"amount\":1,\"reason\":\"gift\\u0000\"}", 400, "invalid_text", "reason" },
        { Operator, "GET", "/v1/admin/organizations?after=%00", null, 400, "invalid_text", "after" },
        { Owner, "POST", "/v1/teams", "{\"name\":\"Team\\u0000\"}", 400, "invalid_text", "name" },
        { Owner, "POST", "/v1/teams", "{\"name\":\"Team \\ud83d\"}", 400, "invalid_text", "name" },
        { Owner, "POST", "/v1/teams", "{\"na\\u0000me\":\"x\"}", 400, "invalid_text", "na\\u0000me" },
        { Owner, "PATCH", "/v1/teams/TEAM", "{\"name\":\"\\ud800\"}", 400, "invalid_text", "name" },
        { Owner, "PATCH", "/v1/organization", "{\"name\":\"Acme\\u0000\"}", 400, "invalid_text", "name" },
        { Owner, "PATCH", "/v1/organization", "{\"timezone\":\"UTC\\udfff\"}", 400, "invalid_text", "timezone" },
        { Owner, "PATCH", "/v1/organization", "{\"webhook_url\":\"https://example.com/\\u0000\"}", 400, "invalid_text", "webhook_url" },
        { Owner, "DELETE", "/v1/organization", "{\"confirm\":\"\\u0000\"}", 400, "invalid_text", "confirm" },
        { Owner, "POST", "/v1/organization/transfer", "{\"user_id\":\"\\u0000\"}", 400, "invalid_text", "user_id" },
        { Owner, "PATCH", "/v1/members/MEMBER", "{\"role\":\"admin\\u0000\"}", 400, "invalid_text", "role" },
        { Owner, "POST", "/v1/invitations", "{\"email\":\"a\\u0000@b.co\"}", 400, "invalid_text", "email" },
        { Owner, "POST", "/v1/invitations/bulk", "email,role\na@b.co,member\u0000\n", 400, "invalid_text", "role" },
        { Owner, "POST", "/v1/invitations/bulk", "email\u0000\na@b.co\n", 400, "invalid_text", "csv" },
        { Nobody, "POST", "/v1/invitations/accept", "{\"token\":\"x\",\"email\":\"a\\ud800@b.co\"}", 400, "invalid_text", "email" },
        { Nobody, "POST", "/v1/invitations/decline", "{\"token\":\"\\u0000\"}", 400, "invalid_text", "token" },
        { Owner, "POST", "/v1/keys", "{\"name\":\"k\\u0000\"}", 400, "invalid_text", "name" },
        { Owner, "POST", "/v1/keys", "{\"name\":\"k\",\"limits\":{\"rpm\":\"\\u0000\"}}", 400, "invalid_text", "rpm" },
        { Owner, "PATCH", "/v1/keys/MEMBER_KEY", "{\"name\":\"\\ud800\"}", 400, "invalid_text", "name" },
        { Owner, "PUT", "/v1/budgets/team/TEAM", "{\"limit\":5,\"period\":\"monthly\\u0000\"}", 400, "invalid_text", "period" },
        { Owner, "POST", "/v1/credits/purchase", "{\"amount\":5,\"note\":\"\\u0000\"}", 400, "invalid_text", "note" },
        { Owner, "PATCH", "/v1/billing", "{\"plan\":\"tier2\\u0000\"}", 400, "invalid_text", "plan" },
        { Owner, "GET", "/v1/audit?action=key%00", null, 400, "invalid_text", "action" },
        { Owner, "GET", "/v1/audit?actor=%00", null, 400, "invalid_text", "actor" },
        { Owner, "GET", "/v1/audit?target=x%00", null, 400, "invalid_text", "target" },
        { Owner, "GET", "/v1/usage?group_by=key%00", null, 400, "invalid_text", "group_by" },
        { Owner, "GET", "/v1/usage/export?from=%00", null, 400, "invalid_text", "from" },
        { Owner, "GET", "/v1/activity?key_id=%00", null, 400, "invalid_text", "key_id" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInput_GetsASpecificError_AndChangesNothing(string caller, string method, string path, string? body, int status, string code, string? param)
    {
        AdminWorld world = await AdminWorld.CreateAsync(fixture.Host.Client, fixture.Database);
        string Fill(string text) => text.Replace("MEMBER_KEY", world.Member.KeyId.ToString()).Replace("MEMBER", world.Member.UserId.ToString())
            .Replace("DEFAULT_TEAM", world.DefaultTeamId.ToString()).Replace("TEAM", world.TeamId.ToString()).Replace("ORG", world.OrganizationId.ToString())
            .Replace("RANDOM", Guid.NewGuid().ToString()).Replace("HUGE", new string('x', 1_100_000));
        string? bearer = caller switch { Owner => world.Owner.Key, Operator => NemoTestHost.MasterKey, _ => null };
        string before = await world.FingerprintAsync(fixture.Database);
        long users = await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.organizations");

        using HttpRequestMessage request = AdminHttp.Request(new HttpMethod(method), Fill(path), bearer,
            body is null ? null : new StringContent(Fill(body), Encoding.UTF8, path.EndsWith("/bulk", StringComparison.Ordinal) ? "text/csv" : "application/json"));
        using HttpResponseMessage response = await fixture.Host.Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();

        Assert.True((int)response.StatusCode == status, $"{method} {path}: expected {status}, got {(int)response.StatusCode}: {text}");
        using JsonDocument json = JsonDocument.Parse(text);
        JsonElement error = json.RootElement.Error();
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(before, await world.FingerprintAsync(fixture.Database));
        if (caller != Owner)
            Assert.Equal(users, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.organizations"));
    }
}
