using System.Collections.Concurrent;
using Nemo.Gateway.Email;

namespace Nemo.Tests.Dashboard;

/// <summary>The email sender of the console's test host: what the outbox delivers is kept for the test to read (the outbox clears a body once sent).</summary>
internal sealed class RecordingMailbox : IEmailSender
{
    public ConcurrentQueue<OutgoingEmail> Sent { get; } = new();

    public Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        Sent.Enqueue(email);
        return Task.CompletedTask;
    }
}
