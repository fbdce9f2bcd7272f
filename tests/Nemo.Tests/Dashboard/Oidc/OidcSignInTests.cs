using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Dashboard.Oidc;

/// <summary>
/// The console's optional OpenID Connect sign-in end to end in headless Chromium against
/// <see cref="FakeOidcProvider"/>: the button on /signin, the provider's login form, its form_post back to
/// /signin-oidc, the code redeemed with the client secret and PKCE verifier, the id_token checked, and the
/// console cookie issued only for a verified email that already has an account. Unverified or unknown
/// emails and tampered flows (forged state, wrong nonce, foreign signing key, wrong audience) end back at
/// /signin with an error and no session.
/// </summary>
public sealed class OidcSignInTests(OidcConsoleFixture fixture) : IClassFixture<OidcConsoleFixture>
{
    private const string SessionCookie = "__Host-nemo-console";

    /// <summary>Waits until the page's URL path matches <paramref name="path"/> (a glob, ** crosses slashes) and the document has loaded; see ConsoleTests.ArriveAsync for why it polls.</summary>
    private static async Task ArriveAsync(IPage page, string path)
    {
        string pattern = "/" + Regex.Escape(path).Replace(@"\*\*", ".*", StringComparison.Ordinal).Replace(@"\*", "[^/]*", StringComparison.Ordinal) + @"(\?.*)?$";
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(pattern), new() { Timeout = 30_000 });
        await page.WaitForFunctionAsync("document.readyState === 'complete'");
    }

    /// <summary>From the console's sign-in page through the provider's login form; returns once the provider has posted back and the console answered.</summary>
    private async Task<IPage> SignInAtProviderAsync(IBrowserContext context, string email, string landing)
    {
        IPage page = await context.NewPageAsync();
        var browserLog = new List<string>();
        page.Console += (_, message) => browserLog.Add(message.Text);
        IResponse? signIn = await page.GotoAsync("/signin");
        // The button's POST answers with a redirect to the provider, which the page's CSP form-action must allow.
        Assert.Contains($"form-action 'self' {fixture.Provider.Issuer};", await signIn!.HeaderValueAsync("content-security-policy"));
        try
        {
            await page.GetByRole(AriaRole.Button, new() { Name = $"Sign in with {OidcConsoleFixture.DisplayName}" }).ClickAsync();
            await ArriveAsync(page, "authorize");
            Assert.StartsWith(fixture.Provider.Issuer + "/authorize?", page.Url);
            await page.GetByLabel("Email at the provider").FillAsync(email);
            await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
            await ArriveAsync(page, landing);
        }
        catch (PlaywrightException ex)
        {
            throw new Xunit.Sdk.XunitException($"Not at {landing} but {page.Url}: {ex.Message}{Environment.NewLine}Browser console: {string.Join(" | ", browserLog)}{Environment.NewLine}{fixture.Diagnostics}");
        }
        return page;
    }

    private static async Task<bool> HasSessionAsync(IBrowserContext context) =>
        (await context.CookiesAsync()).Any(c => c.Name == SessionCookie);

    [Fact]
    public async Task An_existing_account_whose_verified_email_the_provider_vouches_for_lands_signed_in_on_its_organization()
    {
        (Tenant tenant, string email) = await fixture.OwnerAsync();
        fixture.Provider.AddUser(email, emailVerified: true);
        int redeemed = fixture.Provider.TokensIssued;
        await using IBrowserContext context = await fixture.NewContextAsync();

        IPage page = await SignInAtProviderAsync(context, email, $"o/{tenant.OrganizationId}");

        Assert.Equal("owner", await page.GetByTestId("my-role").InnerTextAsync());
        Assert.Equal(redeemed + 1, fixture.Provider.TokensIssued);
        BrowserContextCookiesResult session = Assert.Single(await context.CookiesAsync(), c => c.Name == SessionCookie);
        Assert.True(session.HttpOnly);
        Assert.True(session.Secure);
        Assert.Equal(SameSiteAttribute.Lax, session.SameSite);
        // The session is the console's own: a reload still shows the member, and signing out ends it.
        await page.ReloadAsync();
        Assert.Equal("owner", await page.GetByTestId("my-role").InnerTextAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await ArriveAsync(page, "signin");
        Assert.False(await HasSessionAsync(context));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_provider_that_gives_the_email_claims_only_at_userinfo_is_understood(bool verified)
    {
        (Tenant tenant, string email) = await fixture.OwnerAsync();
        fixture.Provider.AddUser(email, verified, emailInIdToken: false);
        int served = fixture.Provider.UserInfoServed;
        await using IBrowserContext context = await fixture.NewContextAsync();

        IPage page = await SignInAtProviderAsync(context, email, verified ? $"o/{tenant.OrganizationId}" : "signin");

        Assert.Equal(served + 1, fixture.Provider.UserInfoServed);
        Assert.Equal(verified, await HasSessionAsync(context));
        if (verified)
            Assert.Equal("owner", await page.GetByTestId("my-role").InnerTextAsync());
        else
            Assert.Contains("did not vouch for a verified email", await page.Locator(".flash.error").InnerTextAsync());
    }

    [Fact]
    public async Task An_email_the_provider_does_not_mark_verified_is_refused_even_when_the_account_exists()
    {
        (_, string email) = await fixture.OwnerAsync();
        fixture.Provider.AddUser(email, emailVerified: false);
        int redeemed = fixture.Provider.TokensIssued;
        await using IBrowserContext context = await fixture.NewContextAsync();

        IPage page = await SignInAtProviderAsync(context, email, "signin");

        Assert.Equal(redeemed + 1, fixture.Provider.TokensIssued); // the flow itself completed: the refusal is the console's
        Assert.Contains("did not vouch for a verified email", await page.Locator(".flash.error").InnerTextAsync());
        Assert.False(await HasSessionAsync(context));
        await page.GotoAsync("/");
        await ArriveAsync(page, "signin");
    }

    [Fact]
    public async Task A_verified_email_without_a_nemo_account_is_refused_and_creates_nothing()
    {
        string email = $"stranger-{Guid.NewGuid():N}@example.com";
        fixture.Provider.AddUser(email, emailVerified: true);
        long usersBefore = await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.users");
        long accountsBefore = await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.accounts");
        long membershipsBefore = await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.memberships");
        await using IBrowserContext context = await fixture.NewContextAsync();

        IPage page = await SignInAtProviderAsync(context, email, "signin");

        Assert.Contains("did not vouch for a verified email", await page.Locator(".flash.error").InnerTextAsync());
        Assert.False(await HasSessionAsync(context));
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.users WHERE lower(email) = lower(@e)", ("e", email)));
        Assert.Equal(usersBefore, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.users"));
        Assert.Equal(accountsBefore, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.accounts"));
        Assert.Equal(membershipsBefore, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.memberships"));
    }

    [Theory]
    [InlineData(OidcMisbehaviour.ForgedState)]
    [InlineData(OidcMisbehaviour.WrongNonce)]
    [InlineData(OidcMisbehaviour.ForeignSigningKey)]
    [InlineData(OidcMisbehaviour.WrongAudience)]
    public async Task A_tampered_flow_is_refused_without_a_session(OidcMisbehaviour misbehaviour)
    {
        (_, string email) = await fixture.OwnerAsync();
        fixture.Provider.AddUser(email, emailVerified: true, misbehaviour);
        int redeemed = fixture.Provider.TokensIssued;
        await using IBrowserContext context = await fixture.NewContextAsync();

        IPage page = await SignInAtProviderAsync(context, email, "signin");

        Assert.Contains("did not complete", await page.Locator(".flash.error").InnerTextAsync());
        Assert.False(await HasSessionAsync(context));
        // A forged state is caught before the code is ever redeemed; the others once the id_token is checked.
        Assert.Equal(misbehaviour == OidcMisbehaviour.ForgedState ? redeemed : redeemed + 1, fixture.Provider.TokensIssued);
        await page.GotoAsync("/");
        await ArriveAsync(page, "signin");
    }
}
