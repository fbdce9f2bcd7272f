using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Access;

/// <summary>How a master-key scheme accepts the key and answers a missing or wrong one.</summary>
internal sealed class MasterKeySchemeOptions : AuthenticationSchemeOptions
{
    /// <summary>
    /// For pages a browser opens (the Orleans dashboard): HTTP Basic with any user name and the master key as
    /// password is accepted too (the browser asks once and resends it), and the challenge is
    /// <c>WWW-Authenticate: Basic</c>. Otherwise only <c>Authorization: Bearer</c>, and the challenge is a 401
    /// in OpenAI's error shape.
    /// </summary>
    public bool Browser { get; set; }
}

/// <summary>
/// Authenticates the operator by the master key (<c>NEMO_MASTER_KEY</c>), compared in constant time, as a
/// principal with the <see cref="AccessClaims.Operator"/> claim and no organization. ASP.NET Core ships no
/// Basic handler; this one is small. It returns "no result" at once for anything that is not a credential it
/// reads, and it runs only on routes whose policy names its scheme, so proxied requests never pay for it.
/// </summary>
internal sealed class MasterKeyAuthenticationHandler(
    IOptionsMonitor<MasterKeySchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    MasterKey masterKey) : AuthenticationHandler<MasterKeySchemeOptions>(options, logger, encoder)
{
    private const string Realm = "Nemo operator (password: the master key)";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (!masterKey.IsSet || string.IsNullOrEmpty(header) || !AuthenticationHeaderValue.TryParse(header, out AuthenticationHeaderValue? value)
            || value.Parameter is not { Length: > 0 } parameter)
            return Task.FromResult(AuthenticateResult.NoResult());
        string? secret = value.Scheme switch
        {
            _ when value.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) => parameter.Trim(),
            _ when Options.Browser && value.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) => BasicPassword(parameter),
            _ => null,
        };
        if (secret is null)
            return Task.FromResult(AuthenticateResult.NoResult());
        if (!masterKey.Matches(secret))
            return Task.FromResult(AuthenticateResult.Fail("The credential is not the operator's master key."));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(AccessClaims.OperatorIdentity(Scheme.Name)), Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (!Options.Browser)
            return OpenAIError.Unauthorized("This route needs the operator's master key (NEMO_MASTER_KEY).").WriteAsync(Response);
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\", charset=\"UTF-8\"";
        return Task.CompletedTask;
    }

    /// <summary>The password of a Basic credential (<c>base64(user:password)</c>), or null when it is not one.</summary>
    private static string? BasicPassword(string parameter)
    {
        byte[] bytes = new byte[parameter.Length];
        if (!Convert.TryFromBase64String(parameter, bytes, out int written))
            return null;
        string pair = Encoding.UTF8.GetString(bytes.AsSpan(0, written));
        int colon = pair.IndexOf(':');
        return colon < 0 ? null : pair[(colon + 1)..];
    }
}
