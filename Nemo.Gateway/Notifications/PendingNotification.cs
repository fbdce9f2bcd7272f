namespace Nemo.Gateway.Notifications;

/// <summary>One notification claimed for delivery, with its organization's webhook (null when none is set).</summary>
internal sealed record PendingNotification(long Id, Guid OrganizationId, string Kind, string Payload, int Attempt, DateTimeOffset CreatedAt,
    string? WebhookUrl, string? WebhookSecret);
