using Nemo.Gateway.Providers;

namespace Nemo.Gateway.Routing;

/// <summary>
/// An organization's provider routing preferences, as OpenRouter's <c>provider.order</c> and
/// <c>provider.ignore</c>: provider names of the operator's configuration (<c>Nemo:Providers:{name}</c>).
/// An ignored provider's deployments never serve the organization (its fallbacks included); among the
/// healthy deployments left, the first provider in <see cref="Order"/> wins, and providers not listed are
/// chosen as without preferences (weight, fewest in flight), after the listed ones. Immutable; delivered
/// to every gateway in the organization's <see cref="Policies.OrganizationPolicies"/>.
/// </summary>
internal sealed record ProviderPreferences(IReadOnlyList<string> Order, IReadOnlyList<string> Ignore)
{
    /// <summary>Most names in either list (the database's check says the same).</summary>
    public const int MaxProviders = 32;

    public static readonly ProviderPreferences None = new([], []);

    public bool IsEmpty => Order.Count == 0 && Ignore.Count == 0;

    /// <summary>Whether the organization lets this deployment serve it.</summary>
    public bool Allows(CatalogModel deployment)
    {
        foreach (string ignored in Ignore)
        {
            if (string.Equals(ignored, deployment.Provider, StringComparison.Ordinal))
                return false;
        }
        return true;
    }

    /// <summary>Whether at least one of the deployments is allowed.</summary>
    public bool AllowsAny(IReadOnlyList<CatalogModel> deployments)
    {
        foreach (CatalogModel deployment in deployments)
        {
            if (Allows(deployment))
                return true;
        }
        return false;
    }

    /// <summary>The first deployment, by <see cref="Order"/>, of a provider listed there; null when none is listed.</summary>
    public CatalogModel? Preferred(IReadOnlyList<CatalogModel> candidates)
    {
        foreach (string provider in Order)
        {
            foreach (CatalogModel candidate in candidates)
            {
                if (string.Equals(candidate.Provider, provider, StringComparison.Ordinal))
                    return candidate;
            }
        }
        return null;
    }
}
