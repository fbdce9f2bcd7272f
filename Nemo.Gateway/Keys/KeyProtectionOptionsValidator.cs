using Microsoft.Extensions.Options;

namespace Nemo.Gateway.Keys;

/// <summary>Checks <see cref="KeyProtectionOptions"/> at start-up and reports every problem at once.</summary>
internal sealed class KeyProtectionOptionsValidator : IValidateOptions<KeyProtectionOptions>
{
    public ValidateOptionsResult Validate(string? name, KeyProtectionOptions options)
    {
        var errors = new List<string>();
        if (options.NegativeCacheTtl <= TimeSpan.Zero || options.NegativeCacheTtl > TimeSpan.FromMinutes(5))
            errors.Add($"Nemo:Auth:NegativeCacheTtl must be positive and at most 5 minutes (currently {options.NegativeCacheTtl}).");
        if (options.NegativeCacheSize is < 1 or > 10_000_000)
            errors.Add($"Nemo:Auth:NegativeCacheSize must be between 1 and 10000000 (currently {options.NegativeCacheSize}).");
        if (options.FailuresPerAddress is < 1 or > 1_000_000)
            errors.Add($"Nemo:Auth:FailuresPerAddress must be between 1 and 1000000 (currently {options.FailuresPerAddress}).");
        if (options.FailureWindow < TimeSpan.FromSeconds(1) || options.FailureWindow > TimeSpan.FromHours(24))
            errors.Add($"Nemo:Auth:FailureWindow must be between 1 second and 24 hours (currently {options.FailureWindow}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
