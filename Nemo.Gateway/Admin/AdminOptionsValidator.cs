using Microsoft.Extensions.Options;

namespace Nemo.Gateway.Admin;

/// <summary>Checks <see cref="AdminOptions"/> at start-up and reports every problem at once.</summary>
internal sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminOptions options)
    {
        var errors = new List<string>();
        if (options.MaxBodyBytes is < 1024 or > 64 * 1024 * 1024)
            errors.Add($"Nemo:Admin:MaxBodyBytes must be between 1024 and 67108864 (currently {options.MaxBodyBytes}).");
        if (options.MaxPageSize is < 1 or > 10_000)
            errors.Add($"Nemo:Admin:MaxPageSize must be between 1 and 10000 (currently {options.MaxPageSize}).");
        if (options.MaxBulkInvitations is < 1 or > 100_000)
            errors.Add($"Nemo:Admin:MaxBulkInvitations must be between 1 and 100000 (currently {options.MaxBulkInvitations}).");
        if (options.PublicUrl is { Length: > 0 } url && (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https")))
            errors.Add($"Nemo:Admin:PublicUrl must be an absolute http(s) URL (currently '{url}').");
        if (options.Regions.Length == 0 || options.Regions.Any(r => string.IsNullOrWhiteSpace(r) || r.Length > 32))
            errors.Add($"Nemo:Admin:Regions must list at least one region of 1 to 32 characters (currently [{string.Join(", ", options.Regions)}]).");
        if (options.InvitationSweepInterval <= TimeSpan.Zero)
            errors.Add($"Nemo:Admin:InvitationSweepInterval must be positive (currently {options.InvitationSweepInterval}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
