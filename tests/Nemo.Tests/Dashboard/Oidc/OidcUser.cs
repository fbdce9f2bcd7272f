namespace Nemo.Tests.Dashboard.Oidc;

/// <summary>
/// A person the fake provider knows: the email it vouches for, whether it says that email is verified, how
/// it misbehaves for them, and whether the email claims are in the id_token as well as at userinfo (many
/// providers put them in both; OpenID Connect Core §5.4 only promises them from userinfo when an access
/// token is issued, as in the code flow).
/// </summary>
public sealed record OidcUser(string Subject, string Email, bool EmailVerified, OidcMisbehaviour Misbehaviour = OidcMisbehaviour.None, bool EmailInIdToken = true);

/// <summary>Ways the fake provider (or an attacker between it and the browser) can break a sign-in on demand.</summary>
public enum OidcMisbehaviour
{
    /// <summary>A faithful provider.</summary>
    None,

    /// <summary>The callback carries a state value the console never issued (a forged or swapped callback: login CSRF).</summary>
    ForgedState,

    /// <summary>The id_token carries a nonce other than the one the authorization request sent (a replayed token).</summary>
    WrongNonce,

    /// <summary>The id_token is signed by a key that is not in the published JWKS (under the published key's id).</summary>
    ForeignSigningKey,

    /// <summary>The id_token is issued for another client (its aud is not the console's client id).</summary>
    WrongAudience,
}
