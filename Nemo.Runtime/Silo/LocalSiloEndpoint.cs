using Nemo.Grains.Authorization;
using Nemo.Grains.Contracts;
using Nemo.Grains.Spend;
using Nemo.Grains.Tenancy;
using Nemo.Runtime.Activation;
using Nemo.Runtime.Hosting;
using Nemo.Runtime.Partitions;
using Nemo.Runtime.Transport;

namespace Nemo.Runtime.Silo;

/// <summary>
/// Serves silo calls on this silo: checks that the organization's partition is owned here (by the
/// self-fenced lease) and runs the call against the local grains, or answers NotOwner.
/// </summary>
internal sealed class LocalSiloEndpoint(SpendAuthorizer authorizer, Catalog catalog, LocalOwnership ownership, ClusterOptions options) : ISiloEndpoint
{
    public bool Owns(Guid organizationId) => ownership.Owns(PartitionMap.PartitionOf(organizationId, options.PartitionCount));

    public bool Owns(int partition) => ownership.Owns(partition);

    public ValueTask<AuthorizeResult> AuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken) =>
        Owns(request.OrganizationId)
            ? authorizer.AuthorizeAsync(request, cancellationToken)
            : ValueTask.FromResult(AuthorizeResult.NotOwner("This silo does not own the organization's partition."));

    public async ValueTask<SettleReply> SettleAsync(SettleRequest request, CancellationToken cancellationToken) =>
        Owns(request.OrganizationId)
            ? new SettleReply(await authorizer.SettleAsync(request, cancellationToken))
            : new SettleReply(SettleOutcome.NotOwner);

    public async ValueTask<AckReply> ReleaseAsync(ReleaseRequest request, CancellationToken cancellationToken)
    {
        if (!Owns(request.OrganizationId))
            return new AckReply(NotOwner: true);
        await authorizer.ReleaseAsync(request, cancellationToken);
        return new AckReply(NotOwner: false);
    }

    public async ValueTask<CreditsReply> GetCreditsAsync(CreditsQuery query, CancellationToken cancellationToken) =>
        Owns(query.OrganizationId)
            ? new CreditsReply(false, await authorizer.GetCreditsAsync(query.OrganizationId, cancellationToken))
            : new CreditsReply(true, default);

    public async ValueTask<BudgetReply> GetBudgetAsync(BudgetQuery query, CancellationToken cancellationToken) =>
        Owns(query.OrganizationId)
            ? new BudgetReply(false, await authorizer.GetBudgetAsync(query.OrganizationId, new BudgetScope(query.Kind, query.ScopeId), cancellationToken))
            : new BudgetReply(true, default);

    public async ValueTask<AckReply> DeactivateOrganizationAsync(DeactivateOrganizationCommand command, CancellationToken cancellationToken)
    {
        if (!Owns(command.OrganizationId))
            return new AckReply(NotOwner: true);
        await catalog.DeactivateOrganizationAsync(command.OrganizationId, cancellationToken);
        return new AckReply(NotOwner: false);
    }

    public async ValueTask<AckReply> RefreshAsync(RefreshCommand command, CancellationToken cancellationToken)
    {
        if (!Owns(command.OrganizationId))
            return new AckReply(NotOwner: true);
        IGrainRef<ISpendScopeGrain> grain = command.GrainType switch
        {
            IApiKeyGrain.TypeName => catalog.Get<IApiKeyGrain>(command.OrganizationId, command.Key),
            ITeamGrain.TypeName => catalog.Get<ITeamGrain>(command.OrganizationId, command.Key),
            IOrganizationGrain.TypeName => catalog.Get<IOrganizationGrain>(command.OrganizationId, command.Key),
            IBudgetGrain.TypeName => catalog.Get<IBudgetGrain>(command.OrganizationId, command.Key),
            _ => throw new ArgumentException($"Unknown grain type '{command.GrainType}'.", nameof(command)),
        };
        await grain.Call(g => g.Refresh(), cancellationToken);
        return new AckReply(NotOwner: false);
    }
}
