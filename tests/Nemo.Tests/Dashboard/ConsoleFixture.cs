using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Dashboard;

/// <summary>
/// A running Nemo (gateway with the console, fake provider, test database) and a headless Chromium from
/// Debian's <c>chromium</c> package driven by Playwright for .NET (it never downloads a browser; ./nemo test
/// installs the package when it is missing).
/// </summary>
public sealed partial class ConsoleFixture : NemoHostFixture, IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public IPlaywright Playwright { get; private set; } = null!;

    public ServerErrorLog ServerErrors { get; } = new();

    internal RecordingMailbox Mailbox { get; } = new();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Nemo:Email:PollInterval"] = "00:00:00.200",
        ["Nemo:Signup:PermitsPerAddress"] = "1000",
        ["Nemo:Signup:PermitsOverall"] = "1000",
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddLogging(logging => logging.AddProvider(ServerErrors));
        services.Replace(ServiceDescriptor.Singleton<Nemo.Gateway.Email.IEmailSender>(Mailbox));
    }

    /// <summary>What the server logged as errors so far (for failure messages).</summary>
    public string ServerErrorText => string.Join(Environment.NewLine, ServerErrors.Errors);

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The console's address: localhost, where browsers accept Secure cookies over plain HTTP.</summary>
    public string BaseUrl => Host.GatewayUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);

    public new async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install Debian's chromium package (./nemo test does).");
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true });
    }

    public override async ValueTask DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        Playwright?.Dispose();
        await base.DisposeAsync();
    }

    public async Task<IBrowserContext> NewContextAsync(int width = 1280, int height = 900)
    {
        IBrowserContext context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new BrowserContextGrantPermissionsOptions { Origin = BaseUrl });
        // Generous: the machine running the tests may be busy (CI shares its cores); a wait ends as soon as its condition holds.
        context.SetDefaultTimeout(30_000);
        context.SetDefaultNavigationTimeout(30_000);
        return context;
    }

    /// <summary>An organization made through the operator API whose owner has a console password.</summary>
    public async Task<(Tenant Tenant, string Email, string Password)> OwnerAsync(decimal credits = 0m)
    {
        Tenant tenant = await Tenant.CreateAsync(Host.Client, credits: credits);
        string email = await Database.ScalarAsync<string>("SELECT email FROM nemo.users WHERE id = @id", ("id", tenant.OwnerUserId));
        string password = "correct horse " + Guid.NewGuid().ToString("N")[..8];
        await SetPasswordAsync(email, password);
        return (tenant, email, password);
    }

    public async Task SetPasswordAsync(string email, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/accounts/password") { Content = JsonContent.Create(new { email, password }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", NemoTestHost.MasterKey);
        using HttpResponseMessage response = await Host.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The newest email the outbox delivered to an address (queued by Nemo, sent by its outbox job).</summary>
    public async Task<string> LatestEmailAsync(string to, string subjectContains)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        for (;;)
        {
            if (Mailbox.Sent.LastOrDefault(e => string.Equals(e.To, to, StringComparison.OrdinalIgnoreCase) && e.Subject.Contains(subjectContains, StringComparison.Ordinal)) is { } email)
                return email.Body;
            if (timeout.IsCancellationRequested)
                Assert.Fail($"No email '{subjectContains}' to {to} was delivered by the outbox.");
            await Task.Delay(50);
        }
    }

    public static string TokenFrom(string body) => TokenPattern().Match(body) is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException("No token in: " + body);

    public static string LinkFrom(string body) => LinkPattern().Match(body) is { Success: true } m ? m.Value : throw new Xunit.Sdk.XunitException("No link in: " + body);

    [GeneratedRegex("\"token\": \"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex LinkPattern();

    /// <summary>Where screenshots go: docs/console/ of the repository these tests were built from.</summary>
    public static string ScreenshotDirectory()
    {
        DirectoryInfo? dir = new(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Nemo.sln")))
            dir = dir.Parent;
        string path = Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "docs", "console");
        Directory.CreateDirectory(path);
        return path;
    }
}
