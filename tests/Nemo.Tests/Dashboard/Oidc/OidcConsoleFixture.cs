using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Nemo.Gateway.Dashboard.Accounts;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Dashboard.Oidc;

/// <summary>
/// A running Nemo whose console offers sign-in through <see cref="FakeOidcProvider"/> (started first, so
/// its https address is the configured authority), and headless Debian Chromium driven by Playwright. The
/// only test-specific wiring is the backchannel: the console's OIDC handler trusts the provider's
/// self-signed certificate by its pinned hash, as a deployment would trust its provider's CA; the browser
/// context accepts that certificate too. Everything else is the production configuration.
/// </summary>
public sealed class OidcConsoleFixture : NemoHostFixture, IAsyncLifetime
{
    public const string DisplayName = "Fake IdP";

    public FakeOidcProvider Provider { get; private set; } = null!;

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public ServerErrorLog ServerErrors { get; } = new();

    /// <summary>The console's address: localhost (a different site from the provider's 127.0.0.1), where browsers accept Secure cookies over plain HTTP.</summary>
    public string BaseUrl => Host.GatewayUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nemo:Console:OidcAuthority"] = Provider.Issuer,
        ["Nemo:Console:OidcClientId"] = Provider.ClientId,
        ["Nemo:Console:OidcClientSecret"] = Provider.ClientSecret,
        ["Nemo:Console:OidcDisplayName"] = DisplayName,
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddLogging(logging => logging.AddProvider(ServerErrors));
        services.Configure<OpenIdConnectOptions>(ConsoleOidc.Scheme, oidc => oidc.BackchannelHttpHandler = Provider.TrustingHandler());
    }

    public new async ValueTask InitializeAsync()
    {
        Provider = await FakeOidcProvider.StartAsync("nemo-console", "client-secret-" + Guid.NewGuid().ToString("N"));
        await base.InitializeAsync();
        Provider.RedirectUri = BaseUrl + "/signin-oidc";
        Assert.True(File.Exists(ConsoleFixture.ChromiumPath), $"{ConsoleFixture.ChromiumPath} is missing: install Debian's chromium package (./nemo test does).");
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ConsoleFixture.ChromiumPath, Headless = true });
    }

    public override async ValueTask DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        Playwright?.Dispose();
        await base.DisposeAsync();
        if (Provider is not null)
            await Provider.DisposeAsync();
    }

    /// <summary>A fresh browser profile; it accepts the provider's self-signed certificate (the console itself is plain-HTTP localhost).</summary>
    public async Task<IBrowserContext> NewContextAsync()
    {
        IBrowserContext context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            IgnoreHTTPSErrors = true,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(30_000);
        context.SetDefaultNavigationTimeout(30_000);
        return context;
    }

    /// <summary>An organization made through the operator API whose owner has a console account (a password is what makes the account row).</summary>
    public async Task<(Tenant Tenant, string Email)> OwnerAsync()
    {
        Tenant tenant = await Tenant.CreateAsync(Host.Client);
        string email = await Database.ScalarAsync<string>("SELECT email FROM nemo.users WHERE id = @id", ("id", tenant.OwnerUserId));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/accounts/password")
        {
            Content = JsonContent.Create(new { email, password = "correct horse " + Guid.NewGuid().ToString("N")[..8] }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", NemoTestHost.MasterKey);
        using HttpResponseMessage response = await Host.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (tenant, email);
    }

    public string Diagnostics => "Provider refusals: " + string.Join("; ", Provider.Refusals) + Environment.NewLine + "Server errors: " + string.Join(Environment.NewLine, ServerErrors.Errors);
}
