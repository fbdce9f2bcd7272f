namespace Nemo.Grains.Spend;

/// <summary>
/// The actual usage of an admitted request. Settling is idempotent by <see cref="RequestId"/>:
/// retrying it any number of times leaves exactly one usage event.
/// </summary>
[GenerateSerializer, Immutable, Alias("nemo.settle-request")]
public sealed record SettleRequest(
    Guid RequestId,
    Guid OrganizationId,
    Guid TeamId,
    Guid KeyId,
    Guid? UserId,
    string? CustomerId,
    string Model,
    string Endpoint,
    long PromptTokens,
    long CompletionTokens,
    long Cost,
    long TokenEstimate,
    UsageFlags Flags,
    int StatusCode,
    long LatencyMs);
