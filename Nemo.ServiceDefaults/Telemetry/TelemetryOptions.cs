namespace Nemo.ServiceDefaults.Telemetry;

/// <summary>Telemetry settings of every Nemo process, bound from <c>Nemo:Telemetry</c>. Defaults are here, in code.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Nemo:Telemetry";

    /// <summary>
    /// Whether OpenTelemetry (metrics, traces, OTLP logs) and <c>/metrics</c> are wired at all (default true).
    /// Off: no meter listener, no tracer, no /metrics route — the baseline for measuring telemetry's overhead.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// An OTLP endpoint (e.g. <c>http://otel-collector:4317</c>) to push metrics, traces and logs to;
    /// none by default. The standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable is honoured too.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>
    /// How to talk to <see cref="OtlpEndpoint"/>: <c>grpc</c> (default, usually port 4317) or
    /// <c>http/protobuf</c> (usually port 4318). The standard <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> is honoured too.
    /// </summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>
    /// The share of new traces recorded, 0 to 1. Default: 1 when <see cref="OtlpEndpoint"/> is set, else 0 —
    /// with nowhere to send them, recording spans is only cost (trace ids still flow to logs and providers).
    /// A request whose caller sent a sampled <c>traceparent</c> is recorded either way.
    /// </summary>
    public double? TraceSampleRatio { get; set; }

    /// <summary>The root sampling ratio in force: <see cref="TraceSampleRatio"/>, or its default.</summary>
    public double EffectiveTraceSampleRatio => TraceSampleRatio ?? (string.IsNullOrWhiteSpace(OtlpEndpoint) ? 0.0 : 1.0);

    /// <summary>
    /// Whether request metrics carry an <c>organization</c> label (default false). Off, label cardinality is
    /// bounded by the model catalog; on, it grows with the number of organizations — turn it on only for a
    /// small, known set of tenants.
    /// </summary>
    public bool OrganizationLabel { get; set; }
}
