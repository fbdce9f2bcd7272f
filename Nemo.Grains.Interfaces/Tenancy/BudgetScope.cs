namespace Nemo.Grains.Tenancy;

[GenerateSerializer, Alias("nemo.budget-scope-kind")]
public enum BudgetScopeKind
{
    Organization = 0,
    Team = 1,
    Key = 2,
    Customer = 3,
}

/// <summary>One spend ceiling's scope inside an organization. For customers the id is the caller's string.</summary>
[GenerateSerializer, Immutable, Alias("nemo.budget-scope")]
public readonly record struct BudgetScope(BudgetScopeKind Kind, string Id)
{
    public static string KindName(BudgetScopeKind kind) => kind switch
    {
        BudgetScopeKind.Organization => "organization",
        BudgetScopeKind.Team => "team",
        BudgetScopeKind.Key => "key",
        BudgetScopeKind.Customer => "customer",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static bool TryParseKind(string? text, out BudgetScopeKind kind)
    {
        switch (text)
        {
            case "organization": kind = BudgetScopeKind.Organization; return true;
            case "team": kind = BudgetScopeKind.Team; return true;
            case "key": kind = BudgetScopeKind.Key; return true;
            case "customer": kind = BudgetScopeKind.Customer; return true;
            default: kind = default; return false;
        }
    }

    public override string ToString() => $"{KindName(Kind)}:{Id}";
}
