using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Invitations;

/// <summary>One invitation to create (from JSON or one CSV row); a null team means the inviter's team.</summary>
internal sealed record InvitationRequest(string Email, MemberRole Role, Guid? TeamId);
