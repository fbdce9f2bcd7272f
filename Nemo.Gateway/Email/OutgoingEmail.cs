namespace Nemo.Gateway.Email;

/// <summary>One email claimed from the outbox.</summary>
internal sealed record OutgoingEmail(long Id, string To, string Subject, string Body, int Attempt);
