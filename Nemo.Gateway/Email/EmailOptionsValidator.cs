using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace Nemo.Gateway.Email;

/// <summary>Checks <see cref="EmailOptions"/> at start-up and reports every problem at once.</summary>
internal sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var errors = new List<string>();
        if (options.SmtpPort is < 1 or > 65535)
            errors.Add($"Nemo:Email:SmtpPort must be between 1 and 65535 (currently {options.SmtpPort}).");
        if (options.Username is { Length: > 0 } && options.Password is null)
            errors.Add("Nemo:Email:Password must be set when Nemo:Email:Username is.");
        try
        {
            _ = new MailAddress(options.From);
        }
        catch (FormatException)
        {
            errors.Add($"Nemo:Email:From must be an email address, e.g. \"Nemo <no-reply@example.com>\" (currently '{options.From}').");
        }
        if (options.PollInterval <= TimeSpan.Zero)
            errors.Add($"Nemo:Email:PollInterval must be positive (currently {options.PollInterval}).");
        if (options.MaxAttempts is < 1 or > 100)
            errors.Add($"Nemo:Email:MaxAttempts must be between 1 and 100 (currently {options.MaxAttempts}).");
        if (options.RetryBaseDelay <= TimeSpan.Zero)
            errors.Add($"Nemo:Email:RetryBaseDelay must be positive (currently {options.RetryBaseDelay}).");
        if (options.Timeout <= TimeSpan.Zero)
            errors.Add($"Nemo:Email:Timeout must be positive (currently {options.Timeout}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
