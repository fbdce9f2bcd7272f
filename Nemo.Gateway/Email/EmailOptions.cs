namespace Nemo.Gateway.Email;

/// <summary>
/// Outgoing email, bound from <c>Nemo:Email</c>. With <see cref="SmtpHost"/> unset, emails are written to
/// the log instead of sent (development); the outbox works the same either way.
/// </summary>
internal sealed class EmailOptions
{
    /// <summary>SMTP server host name (default unset: log emails instead of sending them).</summary>
    public string? SmtpHost { get; set; }

    /// <summary>SMTP port (default 587).</summary>
    public int SmtpPort { get; set; } = 587;

    /// <summary>Whether to use STARTTLS (default true).</summary>
    public bool EnableSsl { get; set; } = true;

    /// <summary>SMTP user name (default unset: no authentication).</summary>
    public string? Username { get; set; }

    /// <summary>SMTP password (with <see cref="Username"/>).</summary>
    public string? Password { get; set; }

    /// <summary>The From address (default "Nemo &lt;no-reply@nemo.local&gt;").</summary>
    public string From { get; set; } = "Nemo <no-reply@nemo.local>";

    /// <summary>How often the outbox is checked for emails to send (default 5 s).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts before an email is given up (default 8), with exponential backoff from <see cref="RetryBaseDelay"/>.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Delay before the second attempt (default 30 s); doubles per attempt, at most 1 h.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one SMTP send may take (default 30 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
