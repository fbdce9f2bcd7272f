using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Nemo.ServiceDefaults.Telemetry;

/// <summary>OpenTelemetry's standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> stands in for <c>Nemo:Telemetry:OtlpEndpoint</c> when that is unset.</summary>
internal sealed class OtlpEndpointFromEnvironment(IConfiguration configuration) : IPostConfigureOptions<TelemetryOptions>
{
    public void PostConfigure(string? name, TelemetryOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.OtlpEndpoint) && configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } standard)
            options.OtlpEndpoint = standard;
    }
}
