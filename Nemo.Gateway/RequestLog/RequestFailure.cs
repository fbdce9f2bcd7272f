namespace Nemo.Gateway.RequestLog;

/// <summary>
/// A request of a known key that ended without a usage event: what its request-log entry shows. <see cref="Deployment"/>
/// is the provider that failed last and <see cref="Attempts"/> the upstream attempts made, when the request got that far.
/// </summary>
internal sealed record RequestFailure(
    Guid RequestId,
    Guid OrganizationId,
    Guid TeamId,
    Guid KeyId,
    Guid? UserId,
    string? CustomerId,
    string? Model,
    string? Deployment,
    string Endpoint,
    int StatusCode,
    long LatencyMs,
    DateTimeOffset OccurredAt,
    string? ErrorCode = null,
    Guid[]? GuardrailHits = null,
    Guid? ExperimentId = null,
    string? ExperimentVariant = null,
    int? Attempts = null);
