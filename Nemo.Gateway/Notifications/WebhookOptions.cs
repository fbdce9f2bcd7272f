namespace Nemo.Gateway.Notifications;

/// <summary>Delivery of notifications (budget thresholds) to organizations' webhook URLs, bound from <c>Nemo:Webhooks</c>.</summary>
internal sealed class WebhookOptions
{
    /// <summary>How often the notification outbox is checked (default 2 s).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one delivery may take before it counts as failed (default 10 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts before a notification is given up (default 10).</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>Delay before the second attempt (default 10 s); doubles per attempt, at most <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest delay between attempts (default 1 h).</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Hosts (DNS names or IP literals, compared case-insensitively) the operator trusts as webhook
    /// targets: only these may be called over plain http, and only these may resolve to loopback,
    /// private, link-local or cloud-metadata addresses (default none: https to public addresses only).
    /// </summary>
    public string[] AllowedHosts { get; set; } = [];
}
