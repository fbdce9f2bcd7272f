using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Nemo.Gateway.ClusterDashboard;

/// <summary>
/// Authenticates the operator by the master key (<c>NEMO_MASTER_KEY</c>), for pages a browser opens: HTTP
/// Basic with any user name and the master key as password (the browser asks once and resends it on the
/// dashboard's own API calls), or <c>Authorization: Bearer &lt;master key&gt;</c> for scripts. ASP.NET Core
/// ships no Basic handler; this one is small, compares in constant time, and answers a challenge with
/// <c>WWW-Authenticate: Basic</c>. It is registered only when the dashboard is on, and returns "no result"
/// at once for anything that is not a Basic or master-key credential, so proxied requests pay a header
/// lookup at most.
/// </summary>
internal sealed class OperatorAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IConfiguration configuration) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "NemoOperator";
    private const string Realm = "Nemo operator (password: the master key)";

    private readonly byte[] _masterKey = Encoding.UTF8.GetBytes(configuration["NEMO_MASTER_KEY"] ?? "");

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (_masterKey.Length == 0 || string.IsNullOrEmpty(header) || !AuthenticationHeaderValue.TryParse(header, out AuthenticationHeaderValue? value)
            || value.Parameter is not { Length: > 0 } parameter)
            return Task.FromResult(AuthenticateResult.NoResult());
        string? secret = value.Scheme switch
        {
            _ when value.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) => BasicPassword(parameter),
            _ when value.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) => parameter,
            _ => null,
        };
        if (secret is null)
            return Task.FromResult(AuthenticateResult.NoResult());
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), _masterKey))
            return Task.FromResult(AuthenticateResult.Fail("The credential is not the operator's master key."));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator"), new Claim(ClaimTypes.Role, "operator")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\", charset=\"UTF-8\"";
        return Task.CompletedTask;
    }

    /// <summary>The password of a Basic credential (<c>base64(user:password)</c>), or null when it is not one.</summary>
    private static string? BasicPassword(string parameter)
    {
        Span<byte> bytes = stackalloc byte[parameter.Length];
        if (!Convert.TryFromBase64String(parameter, bytes, out int written))
            return null;
        string pair = Encoding.UTF8.GetString(bytes[..written]);
        int colon = pair.IndexOf(':');
        return colon < 0 ? null : pair[(colon + 1)..];
    }
}
