using Microsoft.Extensions.Options;

namespace Nemo.Runtime.Hosting;

/// <summary>Reports every invalid cluster setting at once, at start-up.</summary>
internal sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        string[] errors = [.. options.Validate()];
        return errors.Length == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
