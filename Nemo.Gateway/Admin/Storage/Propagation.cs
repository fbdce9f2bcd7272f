using Nemo.Gateway.Keys;
using Nemo.Grains.Contracts;
using Nemo.Grains.Tenancy;
using Nemo.Runtime.Client;

namespace Nemo.Gateway.Admin.Storage;

/// <summary>
/// After an admin change commits, makes it reach the request path at once: the grains on the silo that
/// owns the organization re-read their configuration (one call, wherever they live), and this gateway's
/// key cache re-reads the keys involved. Other gateways' caches learn from the NOTIFY the transaction
/// sent; the grains are authoritative for status and role either way, so a stale cache can't admit
/// a request the grains refuse.
/// </summary>
internal sealed class Propagation(ClusterClient cluster, ApiKeyCache cache)
{
    public async Task KeyAsync(Guid organizationId, Guid keyId, IEnumerable<KeyHash> hashes, CancellationToken cancellationToken)
    {
        foreach (KeyHash hash in hashes)
            await cache.ReloadOneAsync(hash, cancellationToken);
        await cluster.RefreshAsync(organizationId, IApiKeyGrain.TypeName, keyId.ToString(), cancellationToken);
    }

    /// <summary>Keys whose owner's role or team changed, or that moved team: cache entries and key grains.</summary>
    public async Task OrganizationKeysAsync(Guid organizationId, IEnumerable<Guid> keyIds, CancellationToken cancellationToken)
    {
        await cache.ReloadOrganizationAsync(organizationId, cancellationToken);
        foreach (Guid keyId in keyIds)
            await cluster.RefreshAsync(organizationId, IApiKeyGrain.TypeName, keyId.ToString(), cancellationToken);
    }

    public async Task OrganizationAsync(Guid organizationId, CancellationToken cancellationToken) =>
        await cluster.RefreshOrganizationAsync(organizationId, cancellationToken);

    public async Task TeamAsync(Guid organizationId, Guid teamId, CancellationToken cancellationToken) =>
        await cluster.RefreshAsync(organizationId, ITeamGrain.TypeName, teamId.ToString(), cancellationToken);

    /// <summary>A budget was set or removed: the organization grain's set of budgets and the budget grain.</summary>
    public async Task BudgetAsync(Guid organizationId, BudgetScope scope, CancellationToken cancellationToken)
    {
        await cluster.RefreshOrganizationAsync(organizationId, cancellationToken);
        await cluster.RefreshAsync(organizationId, IBudgetGrain.TypeName, scope.ToString(), cancellationToken);
    }

    /// <summary>The organization is gone: drop every grain and every cached key of it.</summary>
    public async Task DeletedAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await cache.ReloadOrganizationAsync(organizationId, cancellationToken);
        await cluster.DeactivateOrganizationAsync(organizationId, cancellationToken);
    }

    public ValueTask<CreditsView> CreditsAsync(Guid organizationId, CancellationToken cancellationToken) =>
        cluster.GetCreditsAsync(organizationId, cancellationToken);

    public ValueTask<BudgetView> BudgetViewAsync(Guid organizationId, BudgetScope scope, CancellationToken cancellationToken) =>
        cluster.GetBudgetAsync(organizationId, scope, cancellationToken);
}
