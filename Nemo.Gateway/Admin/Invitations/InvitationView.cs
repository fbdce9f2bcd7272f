namespace Nemo.Gateway.Admin.Invitations;

/// <summary>An invitation as owners and admins see it (never its token, except once at creation).</summary>
internal sealed record InvitationView(
    Guid Id, string Email, string Role, Guid TeamId, string Status, string InvitedBy, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt,
    DateTimeOffset? RespondedAt, string? Token = null);
