using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Nemo.ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry's standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> and <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> stand in
/// for <c>Nemo:Telemetry:OtlpEndpoint</c> and <c>OtlpProtocol</c> when the endpoint is unset.
/// </summary>
internal sealed class OtlpEndpointFromEnvironment(IConfiguration configuration) : IPostConfigureOptions<TelemetryOptions>
{
    public void PostConfigure(string? name, TelemetryOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.OtlpEndpoint) && configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } standard)
        {
            options.OtlpEndpoint = standard;
            if (configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] is { Length: > 0 } protocol)
                options.OtlpProtocol = protocol;
        }
    }
}
