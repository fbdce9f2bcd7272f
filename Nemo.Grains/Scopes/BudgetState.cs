namespace Nemo.Grains.Scopes;

/// <summary>A budget's persistent state: which soft thresholds already fired in which period.</summary>
internal sealed class BudgetState
{
    public DateOnly PeriodStart { get; set; }

    public List<int> ThresholdsFired { get; set; } = [];
}
