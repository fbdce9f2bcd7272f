namespace Nemo.Grains.Contracts;

/// <summary>A budget's live figures in nanos for its current period.</summary>
[GenerateSerializer, Immutable, Alias("nemo.budget-view")]
public readonly record struct BudgetView(bool Exists, long Limit, long Spent, long Reserved, DateOnly PeriodStart);
