namespace Nemo.Gateway.Email;

/// <summary>Delivers one email; throws when it could not (the outbox retries).</summary>
internal interface IEmailSender
{
    Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken);
}
