using System.Diagnostics;
using OpenTelemetry.Trace;

namespace Nemo.ServiceDefaults.Telemetry;

/// <summary>
/// The sampler for traces that start in this process. Background loops (the ledger's group commit,
/// fencing confirmations, outbox polls, membership) run database and HTTP client calls outside any
/// request; recorded, each would be a one-span trace of its own, thousands a minute. Root client spans
/// are therefore dropped — their context still propagates — and every other root span is sampled by
/// ratio. A client span inside a request's trace is judged by its parent (ParentBasedSampler).
/// </summary>
internal sealed class RootClientSpanFilter(double ratio) : Sampler
{
    private readonly TraceIdRatioBasedSampler _ratio = new(ratio);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.Kind == ActivityKind.Client
            ? new SamplingResult(SamplingDecision.Drop)
            : _ratio.ShouldSample(samplingParameters);
}
