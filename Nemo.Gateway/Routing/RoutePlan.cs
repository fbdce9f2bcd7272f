using Nemo.Gateway.Providers;
using Nemo.Gateway.Providers.Adapters;
using Nemo.Gateway.Proxy;
using Nemo.Grains.Money;

namespace Nemo.Gateway.Routing;

/// <summary>
/// Where one request may go: its model, then its fallback models in order (the request's own
/// <c>models</c> list when it sent one, else the operator's <c>Nemo:Routing:Fallbacks</c>), each through
/// the deployments its organization's <see cref="ProviderPreferences"/> allow. Decided before
/// authorization, from memory, so that the reservation covers whichever deployment serves it and a
/// request nothing may serve is refused before anything is reserved.
/// </summary>
internal sealed record RoutePlan(IReadOnlyList<string>? RequestFallbacks, ProviderPreferences Preferences)
{
    /// <summary>No per-request fallbacks, no preferences: the operator's routing as configured.</summary>
    public static readonly RoutePlan Default = new(null, ProviderPreferences.None);

    public bool IsDefault => RequestFallbacks is null && Preferences.IsEmpty;

    /// <summary>The fallback models of <paramref name="model"/> for this request, in the order they are tried.</summary>
    public IReadOnlyList<string> Fallbacks(ModelCatalog catalog, string model) => RequestFallbacks ?? catalog.Fallbacks(model);

    /// <summary>
    /// The price to reserve at: per token kind, the highest of every deployment the request may reach
    /// (the model's and its fallbacks', those the preferences allow and whose API has the endpoint);
    /// false when there is none. Fallbacks the key may not use are counted (that is a grain's answer,
    /// learnt only if a fallback is needed): the reservation may be higher than needed, never lower.
    /// </summary>
    public bool TryReservationPrice(ModelCatalog catalog, string model, LlmEndpoint endpoint, out ModelPrice price)
    {
        if (IsDefault)
        {
            price = catalog.ReservationPrice(model); // precomputed per model
            return true;
        }
        long input = -1, output = -1;
        Widen(catalog.Deployments(model), endpoint, ref input, ref output);
        foreach (string fallback in Fallbacks(catalog, model))
            Widen(catalog.Deployments(fallback), endpoint, ref input, ref output);
        price = input < 0 ? default : new ModelPrice(input, output);
        return input >= 0;
    }

    private void Widen(IReadOnlyList<CatalogModel> deployments, LlmEndpoint endpoint, ref long input, ref long output)
    {
        foreach (CatalogModel deployment in deployments)
        {
            if (!Preferences.Allows(deployment) || !ProviderAdapters.For(deployment.Kind).Serves(endpoint))
                continue;
            // Any prompt token may be a cache read or write and any output token reasoning: the highest rate of each side.
            input = Math.Max(input, deployment.Price.MaxPromptNanosPerMillion);
            output = Math.Max(output, deployment.Price.MaxOutputNanosPerMillion);
        }
    }
}
