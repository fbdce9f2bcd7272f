using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Nemo.Tests.Dashboard.Oidc;

/// <summary>
/// The fake provider refuses what a real one refuses, so the browser tests' success means the console
/// really sent PKCE, the client secret and the registered redirect URI: driven here over HTTP, without
/// the console, through discovery, authorize, the login form, the token endpoint, the JWKS and userinfo.
/// </summary>
public sealed partial class FakeOidcProviderTests : IAsyncLifetime
{
    private const string RedirectUri = "http://localhost:5999/signin-oidc";
    private FakeOidcProvider _provider = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _provider = await FakeOidcProvider.StartAsync("client-a", "secret-a");
        _provider.RedirectUri = RedirectUri;
        _http = new HttpClient(_provider.TrustingHandler()) { BaseAddress = new Uri(_provider.Issuer) };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _provider.DisposeAsync();
    }

    private static string Challenge(string verifier) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    private static string Authorize(string clientId = "client-a", string redirectUri = RedirectUri, string challenge = "", string method = "S256", string scope = "openid email") =>
        $"/authorize?client_id={clientId}&redirect_uri={Uri.EscapeDataString(redirectUri)}&response_type=code&scope={Uri.EscapeDataString(scope)}"
        + $"&state=st-1&nonce=n-1&code_challenge={challenge}&code_challenge_method={method}&response_mode=form_post";

    /// <summary>Authorizes and logs in; returns the code from the provider's form_post page.</summary>
    private async Task<string> CodeAsync(string email, string verifier)
    {
        string form = await _http.GetStringAsync(Authorize(challenge: Challenge(verifier)));
        string request = RequestField().Match(form).Groups[1].Value;
        using HttpResponseMessage posted = await _http.PostAsync("/authorize/login", new FormUrlEncodedContent([new("request", request), new("email", email)]));
        string page = await posted.Content.ReadAsStringAsync();
        Assert.Contains($"action=\"{RedirectUri}\"", page);
        Assert.Contains("name=\"state\" value=\"st-1\"", page);
        return CodeField().Match(page).Groups[1].Value;
    }

    private Task<HttpResponseMessage> RedeemAsync(string code, string verifier, string secret = "secret-a", string redirectUri = RedirectUri) =>
        _http.PostAsync("/token", new FormUrlEncodedContent(
        [
            new("grant_type", "authorization_code"), new("code", code), new("redirect_uri", redirectUri), new("code_verifier", verifier),
            new("client_id", "client-a"), new("client_secret", secret),
        ]));

    [Fact]
    public async Task It_refuses_unknown_clients_unregistered_redirects_and_requests_without_pkce_or_openid()
    {
        string challenge = Challenge(new string('v', 50));
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync(Authorize(clientId: "client-b", challenge: challenge))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync(Authorize(redirectUri: "http://evil.example/cb", challenge: challenge))).StatusCode);
        Assert.Contains("name=\"error\" value=\"invalid_request\"", await _http.GetStringAsync(Authorize(challenge: "")));
        Assert.Contains("name=\"error\" value=\"invalid_request\"", await _http.GetStringAsync(Authorize(challenge: challenge, method: "plain")));
        Assert.Contains("name=\"error\" value=\"invalid_scope\"", await _http.GetStringAsync(Authorize(challenge: challenge, scope: "email")));
    }

    [Fact]
    public async Task A_code_needs_the_secret_the_redirect_uri_and_the_verifier_and_works_once()
    {
        _provider.AddUser("ann@example.com", emailVerified: true);
        string verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

        string code = await CodeAsync("ann@example.com", verifier);
        using (HttpResponseMessage wrongSecret = await RedeemAsync(code, verifier, secret: "secret-b"))
            Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.StatusCode);
        code = await CodeAsync("ann@example.com", verifier);
        using (HttpResponseMessage wrongVerifier = await RedeemAsync(code, verifier + "x"))
            Assert.Contains("invalid_grant", await wrongVerifier.Content.ReadAsStringAsync());
        using (HttpResponseMessage burned = await RedeemAsync(code, verifier))
            Assert.Contains("invalid_grant", await burned.Content.ReadAsStringAsync()); // a failed attempt used the code up
        code = await CodeAsync("ann@example.com", verifier);
        using (HttpResponseMessage wrongRedirect = await RedeemAsync(code, verifier, redirectUri: "http://localhost:5999/other"))
            Assert.Contains("invalid_grant", await wrongRedirect.Content.ReadAsStringAsync());

        code = await CodeAsync("ann@example.com", verifier);
        using HttpResponseMessage ok = await RedeemAsync(code, verifier);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using JsonDocument tokens = JsonDocument.Parse(await ok.Content.ReadAsStringAsync());
        using (HttpResponseMessage replay = await RedeemAsync(code, verifier))
            Assert.Contains("invalid_grant", await replay.Content.ReadAsStringAsync());

        // The id_token validates against the published JWKS, for this client, with the request's nonce.
        string jwks = await _http.GetStringAsync("/jwks");
        TokenValidationResult result = await new JsonWebTokenHandler().ValidateTokenAsync(tokens.RootElement.GetProperty("id_token").GetString(), new TokenValidationParameters
        {
            ValidIssuer = _provider.Issuer,
            ValidAudience = "client-a",
            IssuerSigningKeys = new JsonWebKeySet(jwks).GetSigningKeys(),
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("n-1", result.Claims["nonce"]);
        Assert.Equal("ann@example.com", result.Claims["email"]);
        Assert.Equal(true, result.Claims["email_verified"]);

        using var userinfo = new HttpRequestMessage(HttpMethod.Get, "/userinfo");
        userinfo.Headers.Authorization = new("Bearer", tokens.RootElement.GetProperty("access_token").GetString());
        using JsonDocument claims = JsonDocument.Parse(await (await _http.SendAsync(userinfo)).Content.ReadAsStringAsync());
        Assert.Equal("ann@example.com", claims.RootElement.GetProperty("email").GetString());
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/userinfo");
        forged.Headers.Authorization = new("Bearer", "not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.SendAsync(forged)).StatusCode);
    }

    [GeneratedRegex("name=\"request\" value=\"([^\"]+)\"")]
    private static partial Regex RequestField();

    [GeneratedRegex("name=\"code\" value=\"([^\"]+)\"")]
    private static partial Regex CodeField();
}
