using Microsoft.Extensions.Options;

namespace Nemo.Gateway.Dashboard.Accounts;

internal sealed class AccountOptionsValidator : IValidateOptions<AccountOptions>
{
    public ValidateOptionsResult Validate(string? name, AccountOptions options)
    {
        var errors = new List<string>();
        if (options.MaxFailedAttempts is < 1 or > 100)
            errors.Add($"Nemo:Console:MaxFailedAttempts must be from 1 to 100 (currently {options.MaxFailedAttempts}).");
        if (options.LockoutDuration <= TimeSpan.Zero)
            errors.Add($"Nemo:Console:LockoutDuration must be positive (currently {options.LockoutDuration}).");
        if (options.ResetTokenLifetime <= TimeSpan.Zero)
            errors.Add($"Nemo:Console:ResetTokenLifetime must be positive (currently {options.ResetTokenLifetime}).");
        if (options.SessionIdleTimeout < TimeSpan.FromMinutes(1))
            errors.Add($"Nemo:Console:SessionIdleTimeout must be at least a minute (currently {options.SessionIdleTimeout}).");
        if (options.MinPasswordLength is < 8 or > AccountOptions.MaxPasswordLength)
            errors.Add($"Nemo:Console:MinPasswordLength must be from 8 to {AccountOptions.MaxPasswordLength} (currently {options.MinPasswordLength}).");
        if (!string.IsNullOrWhiteSpace(options.OidcAuthority) && (!Uri.TryCreate(options.OidcAuthority, UriKind.Absolute, out Uri? uri) || uri.Scheme != "https"))
            errors.Add($"Nemo:Console:OidcAuthority must be an absolute https URL (currently '{options.OidcAuthority}').");
        if (!string.IsNullOrWhiteSpace(options.OidcAuthority) && string.IsNullOrWhiteSpace(options.OidcClientId))
            errors.Add("Nemo:Console:OidcClientId is required when Nemo:Console:OidcAuthority is set.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
