using Microsoft.Extensions.Options;
using Nemo.Grains.Fencing;

namespace Nemo.Cluster.Hosting;

/// <summary>Reports every invalid fencing setting at once, at start-up.</summary>
internal sealed class FencingOptionsValidator : IValidateOptions<FencingOptions>
{
    public ValidateOptionsResult Validate(string? name, FencingOptions options)
    {
        string[] errors = [.. options.Validate().Select(r => r.ErrorMessage!)];
        return errors.Length == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
