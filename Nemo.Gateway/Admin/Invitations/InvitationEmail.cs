using System.Globalization;
using Nemo.Gateway.Admin.Storage;

namespace Nemo.Gateway.Admin.Invitations;

/// <summary>The invitation email, queued in <c>nemo.email_outbox</c> in the invitation's own transaction.</summary>
internal static class InvitationEmail
{
    public static Task QueueAsync(AdminSession session, Guid organizationId, string organizationName, string email, string role, string token,
        DateTimeOffset expiresAt, string? publicUrl, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string accept = publicUrl is { Length: > 0 }
            ? $"Accept the invitation: {publicUrl.TrimEnd('/')}/invitations/accept?token={Uri.EscapeDataString(token)}&email={Uri.EscapeDataString(email)}\n\n"
            : "";
        string body =
            $"You have been invited to join the organization \"{organizationName}\" on Nemo as {role}.\n\n" +
            accept +
            "To accept with the API:\n" +
            $"  POST /v1/invitations/accept  {{\"token\": \"{token}\", \"email\": \"{email}\"}}\n" +
            "To decline:\n" +
            $"  POST /v1/invitations/decline  {{\"token\": \"{token}\"}}\n\n" +
            $"The invitation expires at {expiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC and can be used once.\n";
        return session.ExecuteAsync(
            "INSERT INTO nemo.email_outbox (organization_id, to_address, subject, body, created_at, next_attempt_at) VALUES (@org, @to, @subject, @body, @now, @now)",
            cancellationToken, ("org", organizationId), ("to", email), ("subject", $"You're invited to join {organizationName} on Nemo"), ("body", body), ("now", now));
    }
}
