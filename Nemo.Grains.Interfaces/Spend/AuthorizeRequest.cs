namespace Nemo.Grains.Spend;

/// <summary>
/// What a gateway asks the silo that owns the organization's partition before forwarding a request.
/// <see cref="CostUpperBound"/> is in nanos and can't be exceeded by the settled cost (DESIGN §4).
/// </summary>
public sealed record AuthorizeRequest(
    Guid RequestId,
    Guid OrganizationId,
    Guid TeamId,
    Guid KeyId,
    string? CustomerId,
    string Model,
    long CostUpperBound,
    long TokenEstimate);
