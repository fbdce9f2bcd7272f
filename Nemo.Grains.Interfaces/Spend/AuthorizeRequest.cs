namespace Nemo.Grains.Spend;

/// <summary>
/// What a gateway asks the organization's grain before forwarding a request.
/// <see cref="CostUpperBound"/> is in nanos and can't be exceeded by the settled cost (docs/ARCHITECTURE.md, "Money").
/// </summary>
[GenerateSerializer, Immutable, Alias("nemo.authorize-request")]
public sealed record AuthorizeRequest(
    Guid RequestId,
    Guid OrganizationId,
    Guid TeamId,
    Guid KeyId,
    string? CustomerId,
    string Model,
    long CostUpperBound,
    long TokenEstimate);
