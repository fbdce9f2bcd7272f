namespace Nemo.Grains.Organization;

/// <summary>
/// Which soft thresholds of which budget already fired in which period: an organization grain's
/// Orleans persistent state (ADO.NET storage, ETag-checked), so a reactivation or a duplicate
/// activation does not notify twice.
/// </summary>
[GenerateSerializer, Alias("nemo.fired-thresholds")]
public sealed class FiredThresholds
{
    /// <summary>Budget scope ("team:…") → the period it fired in and the thresholds fired.</summary>
    [Id(0)]
    public Dictionary<string, FiredInPeriod> Budgets { get; set; } = new(StringComparer.Ordinal);
}

[GenerateSerializer, Alias("nemo.fired-in-period")]
public sealed class FiredInPeriod
{
    [Id(0)]
    public DateOnly PeriodStart { get; set; }

    [Id(1)]
    public List<int> Thresholds { get; set; } = [];
}
