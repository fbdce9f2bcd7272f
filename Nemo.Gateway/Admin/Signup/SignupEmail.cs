using Nemo.Gateway.Admin.Storage;

namespace Nemo.Gateway.Admin.Signup;

/// <summary>
/// The emails of open signup, queued in <c>nemo.email_outbox</c>: the verification token, or — when the
/// address already belongs to an organization — a notice saying so. The HTTP answer is the same either
/// way, so it never tells the caller whether an address is registered. A verification email belongs to
/// no organization yet: it is queued under the nil organization id, which row-level security shows to
/// no tenant.
/// </summary>
internal static class SignupEmail
{
    public static Task QueueVerificationAsync(AdminSession session, string email, string organizationName, string token, DateTimeOffset expiresAt,
        string? publicUrl, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string link = publicUrl is { Length: > 0 }
            ? $"Confirm: {publicUrl.TrimEnd('/')}/signup/verify?token={Uri.EscapeDataString(token)}\n\n"
            : "";
        string body =
            $"Someone (hopefully you) asked to create the organization \"{organizationName}\" on Nemo with this address.\n\n" +
            link +
            "To confirm with the API:\n" +
            $"  POST /v1/signup/verify  {{\"token\": \"{token}\"}}\n\n" +
            $"The link works until {expiresAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC. If it wasn't you, ignore this email: nothing was created.\n";
        return QueueAsync(session, Guid.Empty, email, "Confirm your Nemo signup", body, now, cancellationToken);
    }

    public static Task QueueAlreadyMemberAsync(AdminSession session, Guid organizationId, string email, DateTimeOffset now, CancellationToken cancellationToken) =>
        QueueAsync(session, organizationId, email, "Nemo signup: you already have an organization",
            "Someone asked to sign up on Nemo with this address, which already belongs to an organization. Nothing was changed.\n" +
            "To start another organization, leave the current one first (POST /v1/organization/leave). If it wasn't you, ignore this email.\n",
            now, cancellationToken);

    private static Task QueueAsync(AdminSession session, Guid organizationId, string email, string subject, string body, DateTimeOffset now, CancellationToken cancellationToken) =>
        session.ExecuteAsync(
            "INSERT INTO nemo.email_outbox (organization_id, to_address, subject, body, created_at, next_attempt_at) VALUES (@org, @to, @subject, @body, @now, @now)",
            cancellationToken, ("org", organizationId), ("to", email), ("subject", subject), ("body", body), ("now", now));
}
