namespace Nemo.Gateway.Admin.Keys;

/// <summary>A key to create: for a team (the caller's unless named) or for the organization (held by the Default team).</summary>
internal sealed record NewKey(string Name, Guid? TeamId, bool OrganizationScope, DateTimeOffset? ExpiresAt, long? Rpm, long? Tpm);
