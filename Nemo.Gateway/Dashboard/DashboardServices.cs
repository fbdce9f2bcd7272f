using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Dashboard.Accounts;
using Nemo.Gateway.Dashboard.Assets;
using Nemo.Gateway.Dashboard.Components;
using Nemo.Gateway.Dashboard.Forms;

namespace Nemo.Gateway.Dashboard;

/// <summary>
/// The web console, hosted by the gateway: Razor components rendered on the server (static SSR, no
/// WebAssembly, no Node build, nothing fetched at run time), HTML forms posted to minimal endpoints with
/// antiforgery tokens, and the console's cookie scheme, checked by the same role policies as the admin API (Access/). The
/// cookie is only read on console routes (their policies name its scheme), so the LLM routes' hot path
/// gains no work.
/// </summary>
internal static class DashboardServices
{
    public static IServiceCollection AddNemoDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AccountOptions>().Bind(configuration.GetSection("Nemo:Console")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AccountOptions>, AccountOptionsValidator>();
        services.AddSingleton<AccountStore>();
        AccountOptions account = configuration.GetSection("Nemo:Console").Get<AccountOptions>() ?? new AccountOptions();
        var authentication = services.AddAuthentication(options => options.DefaultScheme = null)
            .AddCookie(ConsoleAuth.Scheme, cookie =>
            {
                cookie.Cookie.Name = ConsoleAuth.CookieName;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.Always;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.Path = "/";
                cookie.ExpireTimeSpan = account.SessionIdleTimeout;
                cookie.SlidingExpiration = true;
                cookie.LoginPath = "/signin";
                cookie.LogoutPath = "/account/signout";
                cookie.Events.OnValidatePrincipal = ConsoleAuth.ValidateAsync;
                cookie.Events.OnRedirectToAccessDenied = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    if (!HttpMethods.IsGet(context.Request.Method))
                        return Task.CompletedTask;
                    context.Response.ContentType = "text/html; charset=utf-8";
                    return context.Response.WriteAsync(
                        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
                        $"<title>Not allowed · Nemo</title><link rel=\"stylesheet\" href=\"{ConsoleAssets.Url("console.css")}\"></head><body><main class=\"auth\"><p class=\"brand\">Nemo</p>" +
                        "<h1>Not allowed</h1><p>Your role in this organization doesn't include this page. Ask an owner or admin if you need it.</p><p><a href=\"/\">Back to your organization</a></p></main></body></html>");
                };
                cookie.Events.OnRedirectToLogin = context =>
                {
                    if (HttpMethods.IsGet(context.Request.Method))
                        context.Response.Redirect(context.RedirectUri);
                    else
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                };
            });
        if (account.OidcEnabled)
            ConsoleOidc.Add(authentication, account);
        // Session, antiforgery and flash cookies are protected by Data Protection, whose key ring every
        // gateway shares through PostgreSQL (Protection/DataProtectionServices, registered by the gateway).
        services.AddAntiforgery(options =>
        {
            // Secure whenever the console is served over HTTPS; the antiforgery system refuses "Always" on a
            // plain-HTTP request, which loopback development (./nemo up) is.
            options.Cookie.Name = "nemo-af";
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.Cookie.SameSite = SameSiteMode.Strict;
        });
        services.AddRazorComponents();
        return services;
    }

    /// <summary>Console security headers, before authorization so its not-allowed page carries them too.</summary>
    public static WebApplication UseNemoConsoleHeaders(this WebApplication app)
    {
        string policy = ContentSecurityPolicy(app.Services.GetRequiredService<IOptions<AccountOptions>>().Value);
        app.Use((HttpContext context, Func<Task> next) => ConsoleHeaders(context, next, policy));
        return app;
    }

    /// <summary>
    /// Forms post only to the console itself, plus the OIDC provider when one is configured: browsers apply
    /// form-action to the redirects after a submission too, and the sign-in button's POST answers with a
    /// redirect to the provider's authorization endpoint.
    /// </summary>
    private static string ContentSecurityPolicy(AccountOptions account) =>
        $"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; object-src 'none'; base-uri 'none'; form-action {ConsoleOidc.FormActionSources(account)}; frame-ancestors 'none'";

    /// <summary>
    /// Console pages may not be framed (clickjacking), run only the console's own script, and send no
    /// referrer. The API, health and metrics routes are left as they are.
    /// </summary>
    private static Task ConsoleHeaders(HttpContext context, Func<Task> next, string contentSecurityPolicy)
    {
        PathString path = context.Request.Path;
        if (!path.StartsWithSegments("/v1") && !path.StartsWithSegments("/healthz") && !path.StartsWithSegments("/readyz") && !path.StartsWithSegments("/metrics"))
        {
            IHeaderDictionary headers = context.Response.Headers;
            headers.ContentSecurityPolicy = contentSecurityPolicy;
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
        }
        return next();
    }

    public static WebApplication MapNemoDashboard(this WebApplication app)
    {
        app.UseAntiforgery();
        app.MapConsoleAssets();
        app.MapNemoAccountActions();
        app.MapNemoOrganizationActions();
        if (app.Services.GetRequiredService<IOptions<AccountOptions>>().Value.OidcEnabled)
            app.MapConsoleOidc();
        app.MapRazorComponents<App>();
        return app;
    }
}
