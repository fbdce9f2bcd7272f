using Nemo.Gateway.Keys;
using Nemo.Gateway.Providers;

namespace Nemo.Gateway.Proxy;

/// <summary>An admitted request: what settling or releasing it needs to know.</summary>
internal sealed record Admission(
    Guid RequestId,
    KeyEntry Key,
    string? Customer,
    CatalogModel Model,
    LlmEndpoint Endpoint,
    InspectedRequest Request,
    long CostUpperBound,
    long StartedTimestamp);
