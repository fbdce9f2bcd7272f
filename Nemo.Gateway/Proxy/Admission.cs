using Nemo.Gateway.Keys;
using Nemo.Gateway.Providers;
using Nemo.Gateway.RequestLog;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// An admitted request: what settling or releasing it needs to know. <see cref="GuardrailHits"/> (rule ids),
/// <see cref="Experiment"/> and the output rules to apply (<see cref="OutputRules"/>) come from the
/// organization's policies (docs/API.md: guardrails, experiments); <see cref="Route"/> is where the request may go
/// (its own fallbacks, its organization's provider preferences; null: as configured). <see cref="Attempts"/> is how
/// many upstream attempts (retries and fallbacks) serving it took, for the usage event.
/// </summary>
internal sealed record Admission(
    Guid RequestId,
    KeyEntry Key,
    string? Customer,
    CatalogModel Model,
    LlmEndpoint Endpoint,
    InspectedRequest Request,
    long CostUpperBound,
    long StartedTimestamp,
    ContentCapture? Content = null,
    Guid[]? GuardrailHits = null,
    Policies.ExperimentAssignment? Experiment = null,
    IReadOnlyList<Guardrails.GuardrailRule>? OutputRules = null,
    Routing.RoutePlan? Route = null,
    int Attempts = 1);
