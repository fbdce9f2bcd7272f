using Nemo.Gateway.Admin.Keys;

namespace Nemo.Gateway.Admin.Signup;

/// <summary>What creating an organization made: the owner, the Default team and the owner's first key.</summary>
internal sealed record CreatedOrganization(Guid OrganizationId, Guid OwnerUserId, Guid TeamId, IssuedKey Key);
