using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Nemo.Tests.Dashboard.Oidc;

/// <summary>
/// A small but faithful OpenID Connect provider on 127.0.0.1 for the console's sign-in tests, as
/// Nemo.FakeUpstream stands in for OpenAI: discovery, JWKS, an authorization endpoint with a login form,
/// a token endpoint and userinfo, speaking OpenID Connect Core 1.0, RFC 6749 and RFC 7636 (PKCE) as a real
/// provider does. It serves HTTPS with a self-signed certificate made at start (the console accepts only
/// an https authority); <see cref="TrustingHandler"/> is the backchannel that trusts exactly that
/// certificate. It refuses what a real provider refuses: an unknown client or redirect URI, a request
/// without openid, state, nonce or an S256 code challenge, a code used twice or late, a wrong client
/// secret, redirect URI or code verifier, an unknown access token. Each <see cref="OidcUser"/> can make it
/// misbehave on demand.
/// </summary>
public sealed class FakeOidcProvider : IAsyncDisposable
{
    private static readonly TimeSpan CodeLifetime = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(5);

    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;
    private readonly RsaSecurityKey _signingKey;
    private readonly RsaSecurityKey _foreignKey;
    private readonly ConcurrentDictionary<string, OidcUser> _users = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, AuthorizationRequest> _pending = new();
    private readonly ConcurrentDictionary<string, IssuedCode> _codes = new();
    private readonly ConcurrentDictionary<string, IssuedToken> _accessTokens = new();
    private readonly ConcurrentQueue<string> _refusals = new();
    private int _tokensIssued;
    private int _userInfoServed;

    private FakeOidcProvider(WebApplication app, X509Certificate2 certificate, string clientId, string clientSecret)
    {
        _app = app;
        _certificate = certificate;
        ClientId = clientId;
        ClientSecret = clientSecret;
        string kid = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        _signingKey = new RsaSecurityKey(RSA.Create(2048)) { KeyId = kid };
        // Same key id as the published key: the console must check the signature, not just find the kid.
        _foreignKey = new RsaSecurityKey(RSA.Create(2048)) { KeyId = kid };
    }

    public string ClientId { get; }

    public string ClientSecret { get; }

    /// <summary>The issuer and authority, e.g. https://127.0.0.1:41234 (known once started).</summary>
    public string Issuer { get; private set; } = "";

    /// <summary>The one redirect URI registered for the client (exact match, as providers require).</summary>
    public string RedirectUri { get; set; } = "";

    /// <summary>Why the provider refused requests so far (for failure messages and assertions).</summary>
    public IReadOnlyCollection<string> Refusals => _refusals;

    /// <summary>Codes redeemed for tokens at the token endpoint.</summary>
    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    /// <summary>Userinfo responses served to a valid access token.</summary>
    public int UserInfoServed => Volatile.Read(ref _userInfoServed);

    public static async Task<FakeOidcProvider> StartAsync(string clientId, string clientSecret)
    {
        X509Certificate2 certificate = SelfSignedCertificate();
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(FakeOidcProvider).Assembly.GetName().Name });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        builder.Services.AddRoutingCore();
        WebApplication app = builder.Build();
        var provider = new FakeOidcProvider(app, certificate, clientId, clientSecret);
        provider.Map(app);
        await app.StartAsync();
        provider.Issuer = app.Urls.First().TrimEnd('/');
        return provider;
    }

    /// <summary>Adds (or replaces) a person the provider can sign in.</summary>
    public OidcUser AddUser(string email, bool emailVerified, OidcMisbehaviour misbehaviour = OidcMisbehaviour.None, bool emailInIdToken = true)
    {
        var user = new OidcUser("sub-" + Guid.NewGuid().ToString("N"), email, emailVerified, misbehaviour, emailInIdToken);
        _users[email] = user;
        return user;
    }

    /// <summary>A backchannel handler that trusts this provider's certificate and nothing else unknown (pinned by its SHA-256).</summary>
    public HttpMessageHandler TrustingHandler()
    {
        byte[] pinned = _certificate.GetCertHash(HashAlgorithmName.SHA256);
        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    errors == SslPolicyErrors.None || (certificate is not null && certificate.GetCertHash(HashAlgorithmName.SHA256).AsSpan().SequenceEqual(pinned)),
            },
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
    }

    private void Map(WebApplication app)
    {
        app.UseRouting();
        app.MapGet("/.well-known/openid-configuration", Discovery);
        app.MapGet("/jwks", Jwks);
        app.MapGet("/authorize", (HttpContext context) => Authorize(context.Request.Query.ToDictionary(p => p.Key, p => p.Value.ToString())));
        app.MapPost("/authorize", async (HttpContext context) =>
            Authorize((await context.Request.ReadFormAsync()).ToDictionary(p => p.Key, p => p.Value.ToString())));
        app.MapPost("/authorize/login", (Func<HttpContext, Task<IResult>>)Login);
        app.MapPost("/token", (Func<HttpContext, Task<IResult>>)Token);
        app.MapGet("/userinfo", UserInfo);
        app.MapPost("/userinfo", UserInfo);
    }

    private IResult Discovery() => Json(writer =>
    {
        writer.WriteString("issuer", Issuer);
        writer.WriteString("authorization_endpoint", Issuer + "/authorize");
        writer.WriteString("token_endpoint", Issuer + "/token");
        writer.WriteString("userinfo_endpoint", Issuer + "/userinfo");
        writer.WriteString("jwks_uri", Issuer + "/jwks");
        Strings(writer, "response_types_supported", "code");
        Strings(writer, "response_modes_supported", "query", "form_post");
        Strings(writer, "grant_types_supported", "authorization_code");
        Strings(writer, "subject_types_supported", "public");
        Strings(writer, "id_token_signing_alg_values_supported", SecurityAlgorithms.RsaSha256);
        Strings(writer, "code_challenge_methods_supported", "S256");
        Strings(writer, "scopes_supported", "openid", "email");
        Strings(writer, "claims_supported", "iss", "sub", "aud", "exp", "iat", "nonce", "email", "email_verified");
        Strings(writer, "token_endpoint_auth_methods_supported", "client_secret_basic", "client_secret_post");
    });

    private IResult Jwks()
    {
        RSAParameters key = _signingKey.Rsa.ExportParameters(includePrivateParameters: false);
        return Json(writer =>
        {
            writer.WriteStartArray("keys");
            writer.WriteStartObject();
            writer.WriteString("kty", "RSA");
            writer.WriteString("use", "sig");
            writer.WriteString("alg", SecurityAlgorithms.RsaSha256);
            writer.WriteString("kid", _signingKey.KeyId);
            writer.WriteString("n", Base64UrlEncoder.Encode(key.Modulus));
            writer.WriteString("e", Base64UrlEncoder.Encode(key.Exponent));
            writer.WriteEndObject();
            writer.WriteEndArray();
        });
    }

    /// <summary>
    /// The authorization endpoint (OIDC Core 3.1.2.1). An unknown client or redirect URI gets an error page
    /// and no redirect (§3.1.2.6: never redirect to an unverified URI); other errors go back to the client.
    /// A valid request gets the login form.
    /// </summary>
    private IResult Authorize(Dictionary<string, string> p)
    {
        string Get(string name) => p.TryGetValue(name, out string? v) ? v : "";
        if (Get("client_id") != ClientId)
            return Refuse("authorize: unknown client_id " + Get("client_id"));
        if (Get("redirect_uri") != RedirectUri)
            return Refuse("authorize: unregistered redirect_uri " + Get("redirect_uri"));
        string responseMode = Get("response_mode") is { Length: > 0 } mode ? mode : "query";
        if (responseMode is not ("query" or "form_post"))
            return Refuse("authorize: unsupported response_mode " + responseMode);
        var request = new AuthorizationRequest(Get("redirect_uri"), responseMode, Get("state"), Get("nonce"), Get("code_challenge"));
        string? error = Get("response_type") != "code" ? "unsupported_response_type"
            : !Get("scope").Split(' ').Contains("openid") ? "invalid_scope"
            : Get("state").Length == 0 || Get("nonce").Length == 0 ? "invalid_request"
            : Get("code_challenge_method") != "S256" || Get("code_challenge").Length != 43 ? "invalid_request"
            : null;
        if (error is not null)
        {
            _refusals.Enqueue($"authorize: {error}");
            return Respond(request, [("error", error), ("state", request.State)]);
        }
        string id = Token32();
        _pending[id] = request;
        return LoginPage(id, message: null);
    }

    private async Task<IResult> Login(HttpContext context)
    {
        IFormCollection form = await context.Request.ReadFormAsync();
        if (!_pending.TryGetValue(form["request"].ToString(), out AuthorizationRequest? request))
            return Refuse("login: unknown or finished authorization request");
        if (!_users.TryGetValue(form["email"].ToString(), out OidcUser? user))
            return LoginPage(form["request"].ToString(), "No such user at this provider.");
        _pending.TryRemove(form["request"].ToString(), out _);
        string code = Token32();
        _codes[code] = new IssuedCode(user, request, TimeProvider.System.GetUtcNow() + CodeLifetime);
        string state = user.Misbehaviour == OidcMisbehaviour.ForgedState ? Token32() : request.State;
        return Respond(request, [("code", code), ("state", state), ("iss", Issuer)]);
    }

    /// <summary>The token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.6, OIDC Core 3.1.3).</summary>
    private async Task<IResult> Token(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
            return TokenError(400, "invalid_request", "token: not a form");
        IFormCollection form = await context.Request.ReadFormAsync();
        (string? id, string? secret, bool basic) = ClientCredentials(context.Request, form);
        if (id is null)
            return TokenError(400, "invalid_request", "token: no client authentication, or two methods at once");
        if (id != ClientId || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret ?? ""), Encoding.UTF8.GetBytes(ClientSecret)))
        {
            if (basic)
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"fake-oidc\"";
            return TokenError(401, "invalid_client", "token: wrong client credentials");
        }
        if (form["grant_type"] != "authorization_code")
            return TokenError(400, "unsupported_grant_type", "token: grant_type " + form["grant_type"]);
        // Removed on first use whatever follows: a code is good for one attempt only (RFC 6749 §4.1.2).
        if (!_codes.TryRemove(form["code"].ToString(), out IssuedCode? issued))
            return TokenError(400, "invalid_grant", "token: unknown or already used code");
        if (TimeProvider.System.GetUtcNow() > issued.Expires)
            return TokenError(400, "invalid_grant", "token: expired code");
        if (form["redirect_uri"] != issued.Request.RedirectUri)
            return TokenError(400, "invalid_grant", "token: redirect_uri differs from the authorization request");
        string verifier = form["code_verifier"].ToString();
        if (verifier.Length is < 43 or > 128
            || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != issued.Request.CodeChallenge)
            return TokenError(400, "invalid_grant", "token: PKCE code_verifier does not match the code_challenge");

        string accessToken = Token32();
        _accessTokens[accessToken] = new IssuedToken(issued.User, TimeProvider.System.GetUtcNow() + TokenLifetime);
        Interlocked.Increment(ref _tokensIssued);
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        return Json(writer =>
        {
            writer.WriteString("access_token", accessToken);
            writer.WriteString("token_type", "Bearer");
            writer.WriteNumber("expires_in", (int)TokenLifetime.TotalSeconds);
            writer.WriteString("id_token", IdToken(issued));
        });
    }

    private IResult UserInfo(HttpContext context)
    {
        string header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal)
            || !_accessTokens.TryGetValue(header["Bearer ".Length..], out IssuedToken? token)
            || TimeProvider.System.GetUtcNow() > token.Expires)
        {
            _refusals.Enqueue("userinfo: invalid access token");
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            return Results.StatusCode(401);
        }
        Interlocked.Increment(ref _userInfoServed);
        return Json(writer =>
        {
            writer.WriteString("sub", token.User.Subject);
            writer.WriteString("email", token.User.Email);
            writer.WriteBoolean("email_verified", token.User.EmailVerified);
        });
    }

    private string IdToken(IssuedCode issued)
    {
        OidcUser user = issued.User;
        DateTime now = TimeProvider.System.GetUtcNow().UtcDateTime;
        RsaSecurityKey key = user.Misbehaviour == OidcMisbehaviour.ForeignSigningKey ? _foreignKey : _signingKey;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = user.Subject,
            ["auth_time"] = new DateTimeOffset(now).ToUnixTimeSeconds(),
            ["nonce"] = user.Misbehaviour == OidcMisbehaviour.WrongNonce ? "a-nonce-from-another-flow" : issued.Request.Nonce,
        };
        if (user.EmailInIdToken)
        {
            claims["email"] = user.Email;
            claims["email_verified"] = user.EmailVerified;
        }
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = user.Misbehaviour == OidcMisbehaviour.WrongAudience ? "another-client" : ClientId,
            IssuedAt = now,
            Expires = now + TokenLifetime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>client_secret_basic (RFC 6749 §2.3.1: form-urlencoded id and secret) or client_secret_post; both at once is an error.</summary>
    private static (string? Id, string? Secret, bool Basic) ClientCredentials(HttpRequest request, IFormCollection form)
    {
        string header = request.Headers.Authorization.ToString();
        bool inBody = form.ContainsKey("client_secret");
        if (header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            if (inBody)
                return (null, null, true);
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]));
            }
            catch (FormatException)
            {
                return (null, null, true);
            }
            int colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? (null, null, true) : (WebUtility.UrlDecode(decoded[..colon]), WebUtility.UrlDecode(decoded[(colon + 1)..]), true);
        }
        return inBody ? (form["client_id"].ToString(), form["client_secret"].ToString(), false) : (null, null, false);
    }

    /// <summary>Back to the client: a 302 with the parameters in the query, or (form_post) an auto-submitting form that POSTs them.</summary>
    private static IResult Respond(AuthorizationRequest request, (string Name, string Value)[] parameters)
    {
        if (request.ResponseMode == "query")
        {
            string query = string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value)}"));
            return Results.Redirect(request.RedirectUri + (request.RedirectUri.Contains('?') ? "&" : "?") + query);
        }
        var html = new StringBuilder("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Signing you in…</title></head><body>");
        html.Append("<form method=\"post\" action=\"").Append(WebUtility.HtmlEncode(request.RedirectUri)).Append("\">");
        foreach ((string name, string value) in parameters)
            html.Append("<input type=\"hidden\" name=\"").Append(WebUtility.HtmlEncode(name)).Append("\" value=\"").Append(WebUtility.HtmlEncode(value)).Append("\">");
        html.Append("<noscript><button type=\"submit\">Continue</button></noscript></form>");
        html.Append("<script>document.forms[0].submit();</script></body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8");
    }

    private static IResult LoginPage(string requestId, string? message) => Results.Content(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fake provider · sign in</title></head><body><h1>Sign in to the fake provider</h1>"
        + (message is null ? "" : $"<p role=\"alert\">{WebUtility.HtmlEncode(message)}</p>")
        + "<form method=\"post\" action=\"/authorize/login\">"
        + $"<input type=\"hidden\" name=\"request\" value=\"{WebUtility.HtmlEncode(requestId)}\">"
        + "<label for=\"email\">Email at the provider</label><input id=\"email\" name=\"email\" type=\"email\" required>"
        + "<button type=\"submit\">Continue</button></form></body></html>",
        "text/html; charset=utf-8");

    private IResult Refuse(string why)
    {
        _refusals.Enqueue(why);
        return Results.Content($"<!DOCTYPE html><html lang=\"en\"><head><title>Error</title></head><body><h1>Invalid request</h1><p>{WebUtility.HtmlEncode(why)}</p></body></html>",
            "text/html; charset=utf-8", statusCode: 400);
    }

    private IResult TokenError(int status, string error, string why)
    {
        _refusals.Enqueue(why);
        return Json(writer =>
        {
            writer.WriteString("error", error);
            writer.WriteString("error_description", why);
        }, status);
    }

    private static IResult Json(Action<Utf8JsonWriter> body, int status = 200)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return Results.Content(Encoding.UTF8.GetString(buffer.ToArray()), "application/json", Encoding.UTF8, status);
    }

    private static void Strings(Utf8JsonWriter writer, string name, params string[] values)
    {
        writer.WriteStartArray(name);
        foreach (string value in values)
            writer.WriteStringValue(value);
        writer.WriteEndArray();
    }

    private static string Token32() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    private static X509Certificate2 SelfSignedCertificate()
    {
        using RSA rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using X509Certificate2 made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Re-imported from PKCS#12 so the private key is a persisted one TLS can use on every platform.
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), password: null);
    }

    private sealed record AuthorizationRequest(string RedirectUri, string ResponseMode, string State, string Nonce, string CodeChallenge);

    private sealed record IssuedCode(OidcUser User, AuthorizationRequest Request, DateTimeOffset Expires);

    private sealed record IssuedToken(OidcUser User, DateTimeOffset Expires);
}
