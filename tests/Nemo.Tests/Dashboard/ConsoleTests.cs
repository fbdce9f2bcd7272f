using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Nemo.Tests.Admin;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Dashboard;

/// <summary>
/// The web console end to end in headless Chromium: sign-up with email verification read from the
/// outbox, sign-in and lockout, invitation accepted in a second browser, role changes, keys used for a
/// real chat request that then shows in usage, a viewer's missing controls and refused forged POSTs,
/// another organization's URL, the last-owner guard and deletion with typed confirmation. Each test
/// saves screenshots of the pages it visits into docs/console/ at 1280 and 390 px.
/// </summary>
public sealed class ConsoleTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    /// <summary>Screenshots of the page at 1280 and 390 px into docs/console/, after axe-core found no WCAG 2 A/AA violation in it.</summary>
    private static async Task ShotAsync(IPage page, string name)
    {
        AxeResult axe = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
        });
        Assert.NotEmpty(axe.Passes); // axe did run its rules on this page
        Assert.True(axe.Violations.Length == 0, $"{name}: " + string.Join("; ", axe.Violations.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => string.Join(" ", n.Target)))}")));
        string dir = ConsoleFixture.ScreenshotDirectory();
        foreach (int width in new[] { 1280, 390 })
        {
            await page.SetViewportSizeAsync(width, 900);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, $"{name}-{width}.png"), FullPage = true });
        }
        await page.SetViewportSizeAsync(1280, 900);
    }

    /// <summary>
    /// Waits until the page is at a URL whose path matches <paramref name="path"/> (a glob: ** crosses
    /// slashes) and its document has finished loading. It polls the URL and document.readyState instead of
    /// calling WaitForURLAsync, whose wait for Playwright's "load" event once hung 30 s in CI on a page that
    /// had already loaded (the URL matched, the event had come before the waiter).
    /// </summary>
    private static async Task ArriveAsync(IPage page, string path)
    {
        string pattern = "/" + Regex.Escape(path).Replace(@"\*\*", ".*", StringComparison.Ordinal).Replace(@"\*", "[^/]*", StringComparison.Ordinal) + @"(\?.*)?$";
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(pattern), new() { Timeout = 30_000 });
        await page.WaitForFunctionAsync("document.readyState === 'complete'");
    }

    private async Task<IPage> SignInAsync(IBrowserContext context, string email, string password)
    {
        IPage page = await context.NewPageAsync();
        await page.GotoAsync("/signin");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await ArriveAsync(page, "o/**");
        return page;
    }

    [Fact]
    public async Task Sign_up_verifies_the_email_from_the_outbox_then_signs_in_and_locks_out_after_failures()
    {
        await using IBrowserContext context = await fixture.NewContextAsync();
        IPage page = await context.NewPageAsync();
        string email = $"founder-{Guid.NewGuid():N}@example.com";
        const string password = "a long enough passphrase";

        IResponse? signupPage = await page.GotoAsync("/signup");
        Assert.Equal("DENY", await signupPage!.HeaderValueAsync("x-frame-options"));
        Assert.Contains("frame-ancestors 'none'", await signupPage.HeaderValueAsync("content-security-policy"));
        await ShotAsync(page, "signup");
        await page.GetByLabel("Your work email").FillAsync(email);
        await page.GetByLabel("Organization name").FillAsync("Acme Robotics");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send the verification email" }).ClickAsync();
        await ArriveAsync(page, "signin");
        Assert.Contains("verification email is on its way", await page.Locator(".flash").InnerTextAsync());
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.users WHERE lower(email) = lower(@e)", ("e", email)));

        string link = ConsoleFixture.LinkFrom(await fixture.LatestEmailAsync(email, "Confirm your Nemo signup"));
        Assert.Contains("/signup/verify?token=", link);
        await page.GotoAsync(link.Replace("127.0.0.1", "localhost", StringComparison.Ordinal));
        await ShotAsync(page, "verify");
        await page.GetByLabel("Password (at least").FillAsync(password);
        await page.GetByLabel("Password again").FillAsync("a different passphrase!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the organization" }).ClickAsync();
        Assert.Contains("not the same", await page.Locator(".flash.error").InnerTextAsync());
        await page.GetByLabel("Password (at least").FillAsync(password);
        await page.GetByLabel("Password again").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the organization" }).ClickAsync();
        await ArriveAsync(page, "o/**");
        Assert.Contains("Acme Robotics", await page.Locator(".sidebar").InnerTextAsync());
        Assert.Equal("owner", await page.GetByTestId("my-role").InnerTextAsync());
        await ShotAsync(page, "home");
        Assert.True(await fixture.Database.ScalarAsync<bool>(
            "SELECT a.email_verified_at IS NOT NULL AND a.password_hash LIKE 'AQAAAA%' FROM nemo.accounts a JOIN nemo.users u ON u.id = a.user_id WHERE lower(u.email) = lower(@e)", ("e", email)));

        IReadOnlyList<BrowserContextCookiesResult> cookies = await context.CookiesAsync();
        BrowserContextCookiesResult session = Assert.Single(cookies, c => c.Name == "__Host-nemo-console");
        Assert.True(session.HttpOnly);
        Assert.True(session.Secure);
        Assert.Equal(SameSiteAttribute.Lax, session.SameSite);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await ArriveAsync(page, "signin");
        await ShotAsync(page, "signin");
        IResponse? home = await page.GotoAsync("/");
        Assert.Contains("/signin", page.Url);

        for (int i = 0; i < 5; i++)
        {
            await page.GetByLabel("Email").FillAsync(email);
            await page.GetByLabel("Password").FillAsync("wrong password " + i);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
            await ArriveAsync(page, "signin");
        }
        Assert.Contains("locked", await page.Locator(".flash.error").InnerTextAsync());
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        Assert.Contains("locked", await page.Locator(".flash.error").InnerTextAsync());

        // The reset link (through the outbox) sets a new password and clears the lockout.
        await page.GotoAsync("/password/forgot");
        await ShotAsync(page, "forgot-password");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Email me a reset link" }).ClickAsync();
        await ArriveAsync(page, "signin");
        string reset = ConsoleFixture.LinkFrom(await fixture.LatestEmailAsync(email, "Reset your Nemo password"));
        await page.GotoAsync(reset.Replace("127.0.0.1", "localhost", StringComparison.Ordinal));
        await page.GetByLabel("New password (at least").FillAsync("another long passphrase");
        await page.GetByLabel("New password again").FillAsync("another long passphrase");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the password" }).ClickAsync();
        await ArriveAsync(page, "o/**");
        Assert.Equal("owner", await page.GetByTestId("my-role").InnerTextAsync());
        Assert.NotNull(home);
    }

    [Fact]
    public async Task An_invited_member_accepts_in_a_second_browser_and_the_owner_changes_their_role()
    {
        (Tenant tenant, string ownerEmail, string ownerPassword) = await fixture.OwnerAsync();
        await using IBrowserContext owner = await fixture.NewContextAsync();
        IPage page = await SignInAsync(owner, ownerEmail, ownerPassword);
        await page.GotoAsync($"/o/{tenant.OrganizationId}/team");
        string invitee = $"new-{Guid.NewGuid():N}@example.com";
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync(invitee);
        await page.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync("member");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send invitation", Exact = true }).ClickAsync();
        Assert.Contains($"Invitation sent to {invitee}", await page.Locator(".flash.ok").InnerTextAsync());
        Assert.Contains(invitee, await page.Locator("section", new() { HasText = "Pending invitations" }).InnerTextAsync());
        await ShotAsync(page, "team");

        // Bulk invitations from pasted CSV: a bad row sends nothing and says which; good rows send all.
        string bulkA = $"bulk-a-{Guid.NewGuid():N}@example.com", bulkB = $"bulk-b-{Guid.NewGuid():N}@example.com";
        await page.GetByLabel("Paste CSV").FillAsync($"email,role,team_id\n{bulkA},viewer,\nnot-an-email,member,\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send invitations" }).ClickAsync();
        Assert.Contains("nothing was sent", await page.Locator(".flash.error").InnerTextAsync());
        await page.GetByLabel("Paste CSV").FillAsync($"email,role,team_id\n{bulkA},viewer,\n{bulkB},member,\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send invitations" }).ClickAsync();
        Assert.Contains("2 invitations sent", await page.Locator(".flash.ok").InnerTextAsync());
        string pending = await page.Locator("section", new() { HasText = "Pending invitations" }).InnerTextAsync();
        Assert.Contains(bulkA, pending);
        Assert.Contains(bulkB, pending);

        string token = ConsoleFixture.TokenFrom(await fixture.LatestEmailAsync(invitee, "invited"));
        await using IBrowserContext second = await fixture.NewContextAsync();
        IPage joiner = await second.NewPageAsync();
        await joiner.GotoAsync($"/invitations/accept?token={Uri.EscapeDataString(token)}&email={Uri.EscapeDataString(invitee)}");
        await ShotAsync(joiner, "accept-invitation");
        await joiner.GetByLabel("Choose a password").FillAsync("invitee passphrase 1");
        await joiner.GetByLabel("Password again").FillAsync("invitee passphrase 1");
        await joiner.GetByRole(AriaRole.Button, new() { Name = "Accept the invitation" }).ClickAsync();
        await ArriveAsync(joiner, $"o/{tenant.OrganizationId}");
        Assert.Equal("member", await joiner.GetByTestId("my-role").InnerTextAsync());

        await page.ReloadAsync();
        ILocator row = page.GetByTestId($"member-{invitee}");
        await row.GetByLabel($"Role of {invitee}").SelectOptionAsync("admin");
        await row.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        Assert.Contains($"{invitee} is now admin", await page.Locator(".flash.ok").InnerTextAsync());

        await joiner.ReloadAsync();
        Assert.Equal("admin", await joiner.GetByTestId("my-role").InnerTextAsync());
        string actor = await fixture.Database.ScalarAsync<string>(
            "SELECT actor || ' ' || coalesce(ip, '') FROM nemo.audit_log WHERE organization_id = @org AND action = 'member.role_change' ORDER BY id DESC LIMIT 1",
            ("org", tenant.OrganizationId));
        Assert.Equal($"user:{tenant.OwnerUserId} 127.0.0.1", actor);
    }

    [Fact]
    public async Task A_key_created_and_copied_in_the_console_serves_a_chat_request_that_shows_in_usage()
    {
        (Tenant tenant, string email, string password) = await fixture.OwnerAsync(credits: 5m);
        await using IBrowserContext context = await fixture.NewContextAsync();
        IPage page = await SignInAsync(context, email, password);
        await page.GotoAsync($"/o/{tenant.OrganizationId}/keys");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("console key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        string shown = (await page.GetByTestId("new-secret").InnerTextAsync()).Trim();
        Assert.StartsWith("sk-nemo-", shown);
        await ShotAsync(page, "keys");
        await page.GetByRole(AriaRole.Button, new() { Name = "Copy" }).ClickAsync();
        string copied = await page.EvaluateAsync<string>("navigator.clipboard.readText()");
        Assert.Equal(shown, copied);

        await page.ReloadAsync();
        Assert.Equal(0, await page.GetByTestId("new-secret").CountAsync());
        // The key's model allow-list: an unknown model is refused; a known one restricts the key.
        ILocator keyRow = page.GetByTestId("key-console key");
        await keyRow.GetByLabel("Models console key may use").FillAsync("gpt-9-imaginary");
        await keyRow.GetByRole(AriaRole.Button, new() { Name = "Set the models of console key" }).ClickAsync();
        Assert.Contains("not a model this gateway serves", await page.Locator(".flash.error").InnerTextAsync());
        await keyRow.GetByLabel("Models console key may use").FillAsync("text-embedding-3-small");
        await keyRow.GetByRole(AriaRole.Button, new() { Name = "Set the models of console key" }).ClickAsync();
        Assert.Contains("may use text-embedding-3-small", await page.Locator(".flash.ok").InnerTextAsync());
        await Eventually.TrueAsync(async () =>
        {
            using var probe = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = new StringContent("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", Encoding.UTF8, "application/json"),
            };
            probe.Headers.Authorization = new AuthenticationHeaderValue("Bearer", copied);
            using HttpResponseMessage refused = await fixture.Host.Client.SendAsync(probe);
            return refused.StatusCode == HttpStatusCode.Forbidden;
        }, "the key's allow-list to refuse gpt-4o-mini");
        await keyRow.GetByLabel("Models console key may use").FillAsync("");
        await keyRow.GetByRole(AriaRole.Button, new() { Name = "Set the models of console key" }).ClickAsync();
        Assert.Contains("may use every allowed model", await page.Locator(".flash.ok").InnerTextAsync());
        await Eventually.TrueAsync(async () =>
        {
            using var models = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
            models.Headers.Authorization = new AuthenticationHeaderValue("Bearer", copied);
            using HttpResponseMessage listed = await fixture.Host.Client.SendAsync(models);
            return (await listed.Content.ReadAsStringAsync()).Contains("gpt-4o-mini", StringComparison.Ordinal);
        }, "the cleared allow-list to reach the key cache");

        using var chat = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello from the console\"}]}", Encoding.UTF8, "application/json"),
        };
        chat.Headers.Authorization = new AuthenticationHeaderValue("Bearer", copied);
        using HttpResponseMessage response = await fixture.Host.Client.SendAsync(chat);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await page.GotoAsync($"/o/{tenant.OrganizationId}/usage?group_by=key");
        Guid keyId = await fixture.Database.ScalarAsync<Guid>("SELECT id FROM nemo.api_keys WHERE organization_id = @org AND name = 'console key'", ("org", tenant.OrganizationId));
        await Eventually.TrueAsync(async () =>
        {
            await page.ReloadAsync();
            return (await page.GetByTestId("usage-table").InnerTextAsync()).Contains(keyId.ToString(), StringComparison.Ordinal);
        }, "the chat request's usage in the console");
        IAPIResponse csv = await page.APIRequest.GetAsync($"/o/{tenant.OrganizationId}/usage.csv?group_by=model");
        Assert.Equal(200, csv.Status);
        Assert.StartsWith("text/csv", csv.Headers["content-type"]);
        Assert.Contains("gpt-4o-mini", await csv.TextAsync());
        await page.GotoAsync($"/o/{tenant.OrganizationId}/usage");
        await ShotAsync(page, "usage");
        await page.GotoAsync($"/o/{tenant.OrganizationId}");
        Assert.Equal("1", await page.GetByTestId("requests").InnerTextAsync());
        await ShotAsync(page, "home-with-usage");
        // The playground streams a reply through the gateway with the same key, and shows tokens and cost.
        await page.GotoAsync($"/o/{tenant.OrganizationId}/playground");
        await page.GetByLabel("API key (sk-nemo-…)").FillAsync(copied);
        await page.GetByRole(AriaRole.Button, new() { Name = "Load the key's models" }).ClickAsync();
        await page.GetByLabel("Model").SelectOptionAsync("gpt-4o-mini");
        await page.GetByLabel("Message").FillAsync("Stream me something");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Microsoft.Playwright.Assertions.Expect(page.GetByTestId("pg-usage")).ToContainTextAsync("completion tokens");
        Assert.NotEmpty((await page.GetByTestId("pg-output").InnerTextAsync()).Trim());
        await ShotAsync(page, "playground");
        await Eventually.TrueAsync(async () => await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM nemo.usage_events WHERE key_id = @key", ("key", keyId)) == 2, "the playground's request billed like any other");

        await page.GotoAsync($"/o/{tenant.OrganizationId}/billing?amount=10");
        Assert.Contains("$10.", await page.GetByTestId("total").InnerTextAsync());
        // A team and an organization budget made in the console show on their pages and in the audit trail.
        await page.GotoAsync($"/o/{tenant.OrganizationId}/teams");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Research");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create team" }).ClickAsync();
        Assert.Contains("Team \"Research\" created", await page.Locator(".flash.ok").InnerTextAsync());
        await page.GotoAsync($"/o/{tenant.OrganizationId}/budgets");
        await page.GetByLabel("Limit (USD)").FillAsync("abc");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save budget" }).ClickAsync();
        Assert.Contains("Limit must be an amount in dollars", await page.Locator(".flash.error").InnerTextAsync());
        await page.GetByLabel("Limit (USD)").FillAsync("25.50");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save budget" }).ClickAsync();
        Assert.Contains("$25.50", await page.Locator("table").InnerTextAsync());
        Assert.Equal(25_500_000_000L, await fixture.Database.ScalarAsync<long>(
            "SELECT limit_nanos FROM nemo.budgets WHERE organization_id = @org AND scope = 'organization'", ("org", tenant.OrganizationId)));
        await page.GotoAsync($"/o/{tenant.OrganizationId}/audit");
        string audit = await page.Locator("table").InnerTextAsync();
        Assert.Contains("team.create", audit);
        Assert.Contains($"user:{tenant.OwnerUserId}", audit);
        // Guardrails, templates and experiments made through the API show on their page.
        (int made, _, string madeText) = await fixture.Host.Client.SendAsync(HttpMethod.Post, "/v1/guardrails", tenant.ApiKey,
            new { name = "No card numbers", kind = "pii", action = "redact", config = new { entities = new[] { "card" } } });
        Assert.True(made == 201, madeText);
        (made, _, madeText) = await fixture.Host.Client.SendAsync(HttpMethod.Post, "/v1/prompts", tenant.ApiKey, new { name = "Greeter", template = "Greet {{name}}." });
        Assert.True(made == 201, madeText);
        foreach (string other in new[] { "team", "teams", "budgets", "logs", "billing", "settings", "audit", "policies" })
        {
            IResponse? visit = await page.GotoAsync($"/o/{tenant.OrganizationId}/{other}");
            Assert.True(visit!.Status == 200, $"{other}: {visit.Status} {fixture.ServerErrorText}");
            await ShotAsync(page, other);
        }
        Assert.Contains("No card numbers", await page.GetByTestId("guardrails").InnerTextAsync());
        Assert.Contains("Greeter", await page.GetByTestId("prompts").InnerTextAsync());
    }

    [Fact]
    public async Task A_viewer_sees_no_write_controls_and_a_forged_post_from_their_session_is_refused()
    {
        AdminWorld world = await AdminWorld.CreateAsync(fixture.Host.Client, fixture.Database);
        await fixture.SetPasswordAsync(world.Viewer.Email, "viewer passphrase 1");
        await using IBrowserContext context = await fixture.NewContextAsync();
        IPage page = await SignInAsync(context, world.Viewer.Email, "viewer passphrase 1");
        Assert.Equal("viewer", await page.GetByTestId("my-role").InnerTextAsync());
        await page.GotoAsync($"/o/{world.OrganizationId}/team");
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Send invitation", Exact = true }).CountAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).CountAsync());
        await ShotAsync(page, "team-viewer");
        await page.GotoAsync($"/o/{world.OrganizationId}/keys");
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).CountAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).CountAsync());
        await page.GotoAsync($"/o/{world.OrganizationId}/settings");
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Delete this organization" }).CountAsync());
        IResponse? audit = await page.GotoAsync($"/o/{world.OrganizationId}/audit");
        Assert.Equal(403, audit!.Status);

        // A forged POST from the viewer's own session, with a valid antiforgery token: the policy refuses it.
        await page.GotoAsync($"/o/{world.OrganizationId}/team");
        string antiforgery = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value") ?? "";
        string before = await world.FingerprintAsync(fixture.Database);
        IAPIResponse forged = await page.APIRequest.PostAsync($"/o/{world.OrganizationId}/team/invite", new APIRequestContextOptions
        {
            Form = Form(page, ("__RequestVerificationToken", antiforgery), ("email", "forged@example.com"), ("role", "owner")),
            MaxRedirects = 0,
        });
        Assert.Equal(403, forged.Status);
        IAPIResponse promote = await page.APIRequest.PostAsync($"/o/{world.OrganizationId}/team/{world.Viewer.UserId}/role", new APIRequestContextOptions
        {
            Form = Form(page, ("__RequestVerificationToken", antiforgery), ("role", "owner")),
            MaxRedirects = 0,
        });
        Assert.Equal(403, promote.Status);
        // Without the antiforgery token even an allowed action is refused (a cross-site form can't carry one).
        await fixture.SetPasswordAsync(world.Owner.Email, "owner passphrase 12");
        await using IBrowserContext ownerContext = await fixture.NewContextAsync();
        IPage owner = await SignInAsync(ownerContext, world.Owner.Email, "owner passphrase 12");
        IAPIResponse noToken = await owner.APIRequest.PostAsync($"/o/{world.OrganizationId}/team/invite", new APIRequestContextOptions
        {
            Form = Form(owner, ("email", "csrf@example.com"), ("role", "member")),
            MaxRedirects = 0,
        });
        Assert.Equal(400, noToken.Status);
        Assert.Equal(before, await world.FingerprintAsync(fixture.Database));

        // One role model, two surfaces that don't stand in for each other: the owner's session cookie doesn't
        // authenticate the admin API (so no cross-site page can drive it), and a key doesn't open console pages.
        IAPIResponse cookieOnApi = await owner.APIRequest.GetAsync("/v1/members");
        Assert.Equal(401, cookieOnApi.Status);
        Assert.Contains("\"invalid_api_key\"", await cookieOnApi.TextAsync());
        IAPIResponse cookieOnOperator = await owner.APIRequest.GetAsync("/v1/admin/organizations");
        Assert.Equal(401, cookieOnOperator.Status);
        using (var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Host.Client.BaseAddress })
        using (var keyOnConsole = new HttpRequestMessage(HttpMethod.Get, $"/o/{world.OrganizationId}/team"))
        {
            keyOnConsole.Headers.Authorization = new AuthenticationHeaderValue("Bearer", world.Owner.Key);
            using HttpResponseMessage refused = await noRedirects.SendAsync(keyOnConsole);
            Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
            Assert.Contains("/signin", refused.Headers.Location!.ToString());
        }

        // Another organization's URL is a 404, for pages and for actions.
        AdminWorld other = await AdminWorld.CreateAsync(fixture.Host.Client, fixture.Database);
        IResponse? foreign = await page.GotoAsync($"/o/{other.OrganizationId}/team");
        Assert.Equal(404, foreign!.Status);
        Assert.DoesNotContain(other.Owner.Email, await page.ContentAsync());
        await ShotAsync(page, "not-found");
        IResponse? foreignHome = await owner.GotoAsync($"/o/{other.OrganizationId}");
        Assert.Equal(404, foreignHome!.Status);
    }

    [Fact]
    public async Task The_last_owner_cannot_demote_themselves_and_deletes_the_organization_with_typed_confirmation()
    {
        (Tenant tenant, string email, string password) = await fixture.OwnerAsync();
        await using IBrowserContext context = await fixture.NewContextAsync();
        IPage page = await SignInAsync(context, email, password);
        await page.GotoAsync($"/o/{tenant.OrganizationId}/team");
        ILocator me = page.GetByTestId($"member-{email}");
        await me.GetByLabel($"Role of {email}").SelectOptionAsync("admin");
        await me.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        Assert.Contains("last owner", await page.Locator(".flash.error").InnerTextAsync());
        Assert.Equal("owner", await page.GetByTestId("my-role").InnerTextAsync());
        await ShotAsync(page, "last-owner");

        IResponse? settings = await page.GotoAsync($"/o/{tenant.OrganizationId}/settings");
        Assert.True(settings!.Status == 200, fixture.ServerErrorText);
        // Provider routing is shown read-only, as the API set it.
        Assert.Equal("none (the operator's weights)", await page.GetByTestId("provider-order").InnerTextAsync());
        using (HttpRequestMessage put = tenant.Request(HttpMethod.Put, "/v1/provider-preferences", new { order = new[] { "fake" } }))
        using (HttpResponseMessage saved = await fixture.Host.Client.SendAsync(put))
            Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        await page.ReloadAsync();
        Assert.Equal("fake", await page.GetByTestId("provider-order").InnerTextAsync());
        Assert.Equal("none", await page.GetByTestId("provider-ignore").InnerTextAsync());
        // General settings: the new name shows in the sidebar at once.
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Renamed & Co");
        await page.Locator("form[action$='settings/general'] button").ClickAsync();
        Assert.Contains("Settings saved", await page.Locator(".flash.ok").InnerTextAsync());
        Assert.Contains("Renamed & Co", await page.Locator(".sidebar").InnerTextAsync());

        // The logo: bytes that only claim to be a PNG are refused; a real PNG is stored and served back with its checked type.
        await page.GetByLabel("PNG or JPEG, at most 256 KiB").SetInputFilesAsync(new FilePayload
        {
            Name = "logo.png", MimeType = "image/png", Buffer = Encoding.UTF8.GetBytes("<svg onload=alert(1)>"),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload logo" }).ClickAsync();
        Assert.Contains("must be a PNG or JPEG", await page.Locator(".flash.error").InnerTextAsync());
        byte[] png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");
        await page.GetByLabel("PNG or JPEG, at most 256 KiB").SetInputFilesAsync(new FilePayload { Name = "logo.exe", MimeType = "application/octet-stream", Buffer = png });
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload logo" }).ClickAsync();
        Assert.Contains("Logo saved", await page.Locator(".flash.ok").InnerTextAsync());
        IAPIResponse logo = await page.APIRequest.GetAsync($"/o/{tenant.OrganizationId}/logo");
        Assert.Equal(200, logo.Status);
        Assert.Equal("image/png", logo.Headers["content-type"]);
        Assert.Equal("nosniff", logo.Headers["x-content-type-options"]);
        Assert.Equal(png, await logo.BodyAsync());
        await ShotAsync(page, "settings-owner");

        string slug = await fixture.Database.ScalarAsync<string>("SELECT slug FROM nemo.organizations WHERE id = @id", ("id", tenant.OrganizationId));
        await page.GetByLabel("Organization slug").FillAsync("not-the-slug");
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete this organization" }).ClickAsync();
        Assert.Contains("confirm must be this organization's slug", await page.Locator(".flash.error").InnerTextAsync());
        Assert.Equal("active", await fixture.Database.ScalarAsync<string>("SELECT status FROM nemo.organizations WHERE id = @id", ("id", tenant.OrganizationId)));
        await page.GetByLabel("Organization slug").FillAsync(slug);
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete this organization" }).ClickAsync();
        await ArriveAsync(page, "signin");
        Assert.Contains("deleted", await page.Locator(".flash.ok").InnerTextAsync());
        Assert.Equal("deleted", await fixture.Database.ScalarAsync<string>("SELECT status FROM nemo.organizations WHERE id = @id", ("id", tenant.OrganizationId)));
        await page.GotoAsync($"/o/{tenant.OrganizationId}");
        Assert.Contains("/signin", page.Url);
    }

    private static IFormData Form(IPage page, params (string Name, string Value)[] fields)
    {
        IFormData form = page.Context.APIRequest.CreateFormData();
        foreach ((string name, string value) in fields)
            form.Set(name, value);
        return form;
    }
}
