using System.Net;
using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace Nemo.Gateway.Email;

/// <summary>
/// Sends through an SMTP server with <see cref="SmtpClient"/>: plain text, one recipient per email.
/// (MailKit is the richer library but isn't in this project's package source; SmtpClient covers
/// submission with STARTTLS and login, which is all the outbox needs.)
/// </summary>
internal sealed class SmtpEmailSender(IOptions<EmailOptions> options) : IEmailSender
{
    public async Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        EmailOptions o = options.Value;
        using var client = new SmtpClient(o.SmtpHost, o.SmtpPort)
        {
            EnableSsl = o.EnableSsl,
            DeliveryMethod = SmtpDeliveryMethod.Network,
            Timeout = (int)o.Timeout.TotalMilliseconds,
        };
        if (o.Username is { Length: > 0 })
            client.Credentials = new NetworkCredential(o.Username, o.Password);
        using var message = new MailMessage(new MailAddress(o.From), new MailAddress(email.To))
        {
            Subject = email.Subject,
            Body = email.Body,
            IsBodyHtml = false,
            BodyEncoding = System.Text.Encoding.UTF8,
            SubjectEncoding = System.Text.Encoding.UTF8,
        };
        await client.SendMailAsync(message, cancellationToken);
    }
}
