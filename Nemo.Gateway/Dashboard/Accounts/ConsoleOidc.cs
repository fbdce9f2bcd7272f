using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nemo.Gateway.Dashboard.Forms;

namespace Nemo.Gateway.Dashboard.Accounts;

/// <summary>
/// Optional sign-in through an operator-configured OpenID Connect provider (authorization code flow).
/// The provider only vouches for an email: its <c>email_verified</c> claim must be true and an account
/// with that email must already exist (made by signup or invitation), so OIDC never creates members on
/// its own. On success the console's own cookie is issued, exactly as after a password. A flow that
/// fails its checks (state, nonce, id_token signature, issuer or audience, the code exchange, an error
/// from the provider) ends back at the sign-in page with a message, not an exception page.
/// </summary>
internal static partial class ConsoleOidc
{
    public const string Scheme = "nemo-oidc";

    public static void Add(AuthenticationBuilder authentication, AccountOptions account) =>
        authentication.AddOpenIdConnect(Scheme, account.OidcDisplayName, oidc =>
        {
            oidc.Authority = account.OidcAuthority;
            oidc.ClientId = account.OidcClientId;
            oidc.ClientSecret = account.OidcClientSecret;
            oidc.ResponseType = "code";
            oidc.UsePkce = true;
            oidc.CallbackPath = "/signin-oidc";
            oidc.SignInScheme = ConsoleAuth.Scheme;
            oidc.Scope.Clear();
            oidc.Scope.Add("openid");
            oidc.Scope.Add("email");
            oidc.GetClaimsFromUserInfoEndpoint = true;
            // The email claims may come from userinfo only (OpenID Connect Core §5.4: in the code flow they are
            // promised there, not in the id_token). The handler maps userinfo's email by default but not
            // email_verified; unique, so an id_token's own value is never overridden.
            oidc.ClaimActions.MapUniqueJsonKey("email_verified", "email_verified");
            oidc.Events.OnTicketReceived = async context =>
            {
                context.HandleResponse();
                ClaimsPrincipal? principal = context.Principal;
                string? email = principal?.FindFirstValue(ClaimTypes.Email) ?? principal?.FindFirstValue("email");
                bool verified = string.Equals(principal?.FindFirstValue("email_verified"), "true", StringComparison.OrdinalIgnoreCase);
                AccountStore accounts = context.HttpContext.RequestServices.GetRequiredService<AccountStore>();
                SignInOutcome outcome = email is not null && verified ? await accounts.FindByVerifiedEmailAsync(email, context.HttpContext.RequestAborted) : SignInOutcome.Failed;
                if (!outcome.Succeeded)
                {
                    Refused(Logger(context.HttpContext), email is null ? "no email" : verified ? "no account with that email" : "email not verified");
                    await BackToSignInAsync(context.HttpContext, "The provider did not vouch for a verified email that has a Nemo account. Ask for an invitation first.");
                    return;
                }
                await ConsoleAuth.SignInAsync(context.HttpContext, outcome);
                context.Response.Redirect("/");
            };
            oidc.Events.OnRemoteFailure = context =>
            {
                context.HandleResponse();
                Failed(Logger(context.HttpContext), context.Failure?.Message ?? "unknown");
                return BackToSignInAsync(context.HttpContext, $"Sign-in with {account.OidcDisplayName} did not complete. Try again, or sign in with your password.");
            };
        });

    /// <summary>
    /// Leaves the error for the sign-in page and goes there through a page of the console's own: the
    /// callback arrives as a cross-site POST from the provider, and browsers send no SameSite=Strict cookie
    /// (the flash is one) on any request of a redirect chain that began cross-site, so a plain redirect would
    /// show /signin without the message. A refresh from this page is a same-site navigation.
    /// </summary>
    private static Task BackToSignInAsync(HttpContext http, string message)
    {
        Flash.Set(http, new Flash("error", message));
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        return http.Response.WriteAsync(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0;url=/signin\">" +
            "<title>Sign in · Nemo</title></head><body><p><a href=\"/signin\">Back to sign-in</a></p></body></html>");
    }

    private static ILogger Logger(HttpContext http) => http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Nemo.Gateway.Dashboard.Accounts.ConsoleOidc");

    [LoggerMessage(EventId = 7911, Level = LogLevel.Information, Message = "OIDC sign-in refused: {Reason}")]
    private static partial void Refused(ILogger logger, string reason);

    [LoggerMessage(EventId = 7912, Level = LogLevel.Warning, Message = "OIDC sign-in failed its protocol checks: {Reason}")]
    private static partial void Failed(ILogger logger, string reason);

    /// <summary>The CSP form-action sources: the console, and the provider's origin when OIDC is on (the sign-in button's POST redirects there).</summary>
    public static string FormActionSources(AccountOptions account) =>
        account.OidcEnabled && Uri.TryCreate(account.OidcAuthority, UriKind.Absolute, out Uri? authority)
            ? "'self' " + authority.GetLeftPart(UriPartial.Authority)
            : "'self'";

    public static IEndpointRouteBuilder MapConsoleOidc(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/oidc", (IFormCollection form) =>
        {
            _ = form;
            return Results.Challenge(new AuthenticationProperties { RedirectUri = "/" }, [Scheme]);
        });
        return app;
    }
}
