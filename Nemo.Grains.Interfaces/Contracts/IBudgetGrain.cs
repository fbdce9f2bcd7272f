namespace Nemo.Grains.Contracts;

/// <summary>One spend ceiling for one scope. Key: <c>BudgetScope.ToString()</c>.</summary>
public interface IBudgetGrain : ISpendScopeGrain
{
    public const string TypeName = "budget";

    ValueTask<BudgetView> Get();
}
