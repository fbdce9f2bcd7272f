namespace Nemo.Grains.Spend;

/// <summary>Gives back an admitted request's reservation when no tokens were produced (e.g. upstream 5xx).</summary>
public sealed record ReleaseRequest(Guid RequestId, Guid OrganizationId, Guid TeamId, Guid KeyId, string? CustomerId);
