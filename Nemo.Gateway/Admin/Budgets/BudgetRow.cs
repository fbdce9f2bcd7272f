using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Budgets;

/// <summary>A budget's configuration as stored: limit in nanos, period, soft thresholds (percent), RPM/TPM overrides.</summary>
internal sealed record BudgetRow(BudgetScope Scope, long LimitNanos, BudgetPeriod Period, int[] SoftThresholds, long? Rpm, long? Tpm);
