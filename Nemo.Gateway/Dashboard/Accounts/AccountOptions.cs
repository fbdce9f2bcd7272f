namespace Nemo.Gateway.Dashboard.Accounts;

/// <summary>Sign-in settings of the web console, bound from <c>Nemo:Console</c>.</summary>
public sealed class AccountOptions
{
    /// <summary>Failed password attempts in a row before the account is locked (default 5).</summary>
    public int MaxFailedAttempts { get; set; } = 5;

    /// <summary>How long a locked account refuses every password (default 15 min).</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a password-reset link works (default 1 h).</summary>
    public TimeSpan ResetTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Idle time after which the session cookie expires; each request within it slides it (default 8 h).</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Shortest password accepted (default 12).</summary>
    public int MinPasswordLength { get; set; } = 12;

    /// <summary>Optional OIDC provider (Authority, ClientId, ClientSecret); unset means no OIDC button.</summary>
    public string? OidcAuthority { get; set; }

    public string? OidcClientId { get; set; }

    public string? OidcClientSecret { get; set; }

    /// <summary>The provider's name on the sign-in button.</summary>
    public string OidcDisplayName { get; set; } = "single sign-on";

    public bool OidcEnabled => !string.IsNullOrWhiteSpace(OidcAuthority) && !string.IsNullOrWhiteSpace(OidcClientId);

    public const int MaxPasswordLength = 256;
}
