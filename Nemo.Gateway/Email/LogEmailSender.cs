using Microsoft.Extensions.Logging;

namespace Nemo.Gateway.Email;

/// <summary>
/// Development delivery when no SMTP server is configured: the email, including any invitation token in
/// it, is written to the log at Information level so the operator can pass it on.
/// </summary>
internal sealed partial class LogEmailSender(ILogger<LogEmailSender> logger) : IEmailSender
{
    public Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        LogEmail(email.To, email.Subject, email.Body);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "Email (no SMTP server configured, Nemo:Email:SmtpHost) to {To}: {Subject}\n{Body}")]
    private partial void LogEmail(string to, string subject, string body);
}
