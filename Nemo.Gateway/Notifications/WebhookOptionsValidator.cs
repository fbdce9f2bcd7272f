using Microsoft.Extensions.Options;

namespace Nemo.Gateway.Notifications;

/// <summary>Checks <see cref="WebhookOptions"/> at start-up and reports every problem at once.</summary>
internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var errors = new List<string>();
        if (options.PollInterval <= TimeSpan.Zero)
            errors.Add($"Nemo:Webhooks:PollInterval must be positive (currently {options.PollInterval}).");
        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromMinutes(5))
            errors.Add($"Nemo:Webhooks:Timeout must be positive and at most 5 minutes (currently {options.Timeout}).");
        if (options.MaxAttempts is < 1 or > 100)
            errors.Add($"Nemo:Webhooks:MaxAttempts must be between 1 and 100 (currently {options.MaxAttempts}).");
        if (options.RetryBaseDelay <= TimeSpan.Zero)
            errors.Add($"Nemo:Webhooks:RetryBaseDelay must be positive (currently {options.RetryBaseDelay}).");
        if (options.RetryMaxDelay < options.RetryBaseDelay)
            errors.Add($"Nemo:Webhooks:RetryMaxDelay (currently {options.RetryMaxDelay}) must be at least RetryBaseDelay (currently {options.RetryBaseDelay}).");
        foreach (string host in options.AllowedHosts)
        {
            if (string.IsNullOrWhiteSpace(host) || Uri.CheckHostName(host.Trim('[', ']')) == UriHostNameType.Unknown)
                errors.Add($"Nemo:Webhooks:AllowedHosts entries must be bare host names or IP addresses, without scheme, port or path (currently '{host}').");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
