using Nemo.Grains.Contracts;
using Nemo.Grains.Scopes;

namespace Nemo.Grains;

/// <summary>The grain types this assembly implements, for the runtime to register.</summary>
public static class GrainCatalogue
{
    public static IReadOnlyList<(string TypeName, Type Interface, Type Implementation)> All { get; } =
    [
        (IApiKeyGrain.TypeName, typeof(IApiKeyGrain), typeof(ApiKeyGrain)),
        (ITeamGrain.TypeName, typeof(ITeamGrain), typeof(TeamGrain)),
        (IOrganizationGrain.TypeName, typeof(IOrganizationGrain), typeof(OrganizationGrain)),
        (IBudgetGrain.TypeName, typeof(IBudgetGrain), typeof(BudgetGrain)),
    ];
}
