using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Hosting;

namespace Nemo.Gateway.Admin.Signup;

/// <summary>Checks <see cref="SignupOptions"/> at start-up and reports every problem at once.</summary>
internal sealed class SignupOptionsValidator(GatewayOptions gateway, IConfiguration configuration) : IValidateOptions<SignupOptions>
{
    public ValidateOptionsResult Validate(string? name, SignupOptions options)
    {
        var errors = new List<string>();
        if (options.PermitsPerAddress is < 1 or > 100_000)
            errors.Add($"Nemo:Signup:PermitsPerAddress must be between 1 and 100000 (currently {options.PermitsPerAddress}).");
        if (options.AddressWindow < TimeSpan.FromSeconds(1) || options.AddressWindow > TimeSpan.FromDays(1))
            errors.Add($"Nemo:Signup:AddressWindow must be between 1 second and 1 day (currently {options.AddressWindow}).");
        if (options.PermitsOverall is < 1 or > 1_000_000)
            errors.Add($"Nemo:Signup:PermitsOverall must be between 1 and 1000000 (currently {options.PermitsOverall}).");
        if (options.OverallWindow < TimeSpan.FromSeconds(1) || options.OverallWindow > TimeSpan.FromDays(1))
            errors.Add($"Nemo:Signup:OverallWindow must be between 1 second and 1 day (currently {options.OverallWindow}).");
        if (options.VerificationTtl < TimeSpan.FromMinutes(5) || options.VerificationTtl > TimeSpan.FromDays(7))
            errors.Add($"Nemo:Signup:VerificationTtl must be between 5 minutes and 7 days (currently {options.VerificationTtl}).");
        if (gateway.SignupOpen && string.IsNullOrEmpty(configuration["NEMO_MASTER_KEY"]))
            errors.Add("Nemo:Gateway:SignupOpen is true but NEMO_MASTER_KEY is not set: open signup signs its email verification tokens with a key derived from it; set it (the same on every gateway) or close signup.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
