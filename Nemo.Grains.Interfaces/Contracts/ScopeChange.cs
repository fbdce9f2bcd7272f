namespace Nemo.Grains.Contracts;

/// <summary>What an administrative change touched, so the grain re-reads only that.</summary>
public enum ScopeChangeKind
{
    Organization = 0,
    Team = 1,
    Key = 2,
    Budget = 3,
}

/// <summary>A change to re-read: the organization (plan, credits, budgets list), one team, one key or one budget.</summary>
[GenerateSerializer, Immutable, Alias("nemo.scope-change")]
public readonly record struct ScopeChange(ScopeChangeKind Kind, string Id);
