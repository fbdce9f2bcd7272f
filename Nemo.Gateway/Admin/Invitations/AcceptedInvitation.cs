using Nemo.Gateway.Admin.Keys;

namespace Nemo.Gateway.Admin.Invitations;

/// <summary>What accepting an invitation made: the membership and the new member's first key.</summary>
internal sealed record AcceptedInvitation(Guid UserId, Guid OrganizationId, Guid TeamId, string Role, IssuedKey Key);
