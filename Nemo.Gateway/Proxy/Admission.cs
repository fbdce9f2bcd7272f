using Nemo.Gateway.Keys;
using Nemo.Gateway.Providers;
using Nemo.Gateway.RequestLog;

namespace Nemo.Gateway.Proxy;

/// <summary>An admitted request: what settling or releasing it needs to know, and where its text is kept when the organization logs content.</summary>
internal sealed record Admission(
    Guid RequestId,
    KeyEntry Key,
    string? Customer,
    CatalogModel Model,
    LlmEndpoint Endpoint,
    InspectedRequest Request,
    long CostUpperBound,
    long StartedTimestamp,
    ContentCapture? Content = null);
