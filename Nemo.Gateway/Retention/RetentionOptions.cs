namespace Nemo.Gateway.Retention;

/// <summary>The data-retention job, bound from <c>Nemo:Retention</c>.</summary>
internal sealed class RetentionOptions
{
    /// <summary>How often usage detail older than each organization's data_retention_days is purged (default 1 h).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per statement (default 10,000), so a large purge never holds long locks.</summary>
    public int BatchSize { get; set; } = 10_000;
}
