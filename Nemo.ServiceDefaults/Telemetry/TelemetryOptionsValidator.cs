using Microsoft.Extensions.Options;

namespace Nemo.ServiceDefaults.Telemetry;

/// <summary>Checks <see cref="TelemetryOptions"/> at start-up, listing every problem.</summary>
internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var errors = new List<string>();
        if (options.TraceSampleRatio is { } ratio && (ratio is < 0 or > 1 || double.IsNaN(ratio)))
            errors.Add($"Nemo:Telemetry:TraceSampleRatio must be between 0 and 1 (currently {options.TraceSampleRatio}).");
        if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint)
            && (!Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https")))
            errors.Add($"Nemo:Telemetry:OtlpEndpoint must be an absolute http(s) URL (currently '{options.OtlpEndpoint}').");
        if (options.OtlpProtocol is not ("grpc" or "http/protobuf"))
            errors.Add($"Nemo:Telemetry:OtlpProtocol must be 'grpc' or 'http/protobuf' (currently '{options.OtlpProtocol}').");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
