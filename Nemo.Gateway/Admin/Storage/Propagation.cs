using Nemo.Gateway.Keys;
using Nemo.Grains.Contracts;
using Nemo.Grains.Tenancy;
using Nemo.Cluster.Calls;

namespace Nemo.Gateway.Admin.Storage;

/// <summary>
/// After an admin change commits, makes it reach the request path at once: the organization's grain
/// re-reads the changed scope's configuration (one call, wherever it is active), and this gateway's
/// key cache re-reads the keys involved. Other gateways' caches learn from the NOTIFY the transaction
/// sent; the grains are authoritative for status and role either way, so a stale cache can't admit
/// a request the grains refuse.
/// </summary>
internal sealed class Propagation(OrganizationCalls cluster, ApiKeyCache cache)
{
    public async Task KeyAsync(Guid organizationId, Guid keyId, IEnumerable<KeyHash> hashes, CancellationToken cancellationToken)
    {
        foreach (KeyHash hash in hashes)
            await cache.ReloadOneAsync(hash, cancellationToken);
        await cluster.RefreshAsync(organizationId, new ScopeChange(ScopeChangeKind.Key, keyId.ToString()), cancellationToken);
    }

    /// <summary>Keys whose owner's role or team changed, or that moved team: cache entries and key grains.</summary>
    public async Task OrganizationKeysAsync(Guid organizationId, IEnumerable<Guid> keyIds, CancellationToken cancellationToken)
    {
        await cache.ReloadOrganizationAsync(organizationId, cancellationToken);
        foreach (Guid keyId in keyIds)
            await cluster.RefreshAsync(organizationId, new ScopeChange(ScopeChangeKind.Key, keyId.ToString()), cancellationToken);
    }

    public async Task OrganizationAsync(Guid organizationId, CancellationToken cancellationToken) =>
        await cluster.RefreshAsync(organizationId, new ScopeChange(ScopeChangeKind.Organization, organizationId.ToString()), cancellationToken);

    public async Task TeamAsync(Guid organizationId, Guid teamId, CancellationToken cancellationToken) =>
        await cluster.RefreshAsync(organizationId, new ScopeChange(ScopeChangeKind.Team, teamId.ToString()), cancellationToken);

    /// <summary>A budget was set or removed: the organization's set of budgets and the budget's own figures.</summary>
    public async Task BudgetAsync(Guid organizationId, BudgetScope scope, CancellationToken cancellationToken)
    {
        await cluster.RefreshAsync(organizationId, new ScopeChange(ScopeChangeKind.Budget, scope.ToString()), cancellationToken);
    }

    /// <summary>The organization is gone: drop its grain activation and every cached key of it.</summary>
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
