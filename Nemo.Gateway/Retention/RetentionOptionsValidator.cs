using Microsoft.Extensions.Options;

namespace Nemo.Gateway.Retention;

/// <summary>Checks <see cref="RetentionOptions"/> at start-up and reports every problem at once.</summary>
internal sealed class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, RetentionOptions options)
    {
        var errors = new List<string>();
        if (options.Interval <= TimeSpan.Zero)
            errors.Add($"Nemo:Retention:Interval must be positive (currently {options.Interval}).");
        if (options.BatchSize is < 1 or > 1_000_000)
            errors.Add($"Nemo:Retention:BatchSize must be between 1 and 1000000 (currently {options.BatchSize}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
