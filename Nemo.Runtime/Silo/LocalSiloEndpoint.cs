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
/// Serves silo calls on this silo: each call enters the organization's partition (refused while the
/// partition isn't held or is being handed off) and runs against the local grains; otherwise the
/// answer is NotOwner and the caller retries at the owner it finds next.
/// </summary>
internal sealed class LocalSiloEndpoint(SpendAuthorizer authorizer, Catalog catalog, LocalOwnership ownership, ClusterOptions options) : ISiloEndpoint
{
    private int PartitionOf(Guid organizationId) => PartitionMap.PartitionOf(organizationId, options.PartitionCount);

    public bool Serves(Guid organizationId) => ownership.Serves(PartitionOf(organizationId));

    public bool Serves(int partition) => ownership.Serves(partition);

    /// <summary>Whether a new request for the organization would be admitted here now (served and not recovering).</summary>
    public bool Admits(Guid organizationId)
    {
        int partition = PartitionOf(organizationId);
        return ownership.Serves(partition) && !ownership.Recovering(partition);
    }

    private async ValueTask<T> ServeAsync<T>(Guid organizationId, T notOwner, Func<ValueTask<T>> call, bool admits = false)
    {
        int partition = PartitionOf(organizationId);
        if (!ownership.TryEnter(partition, admits))
            return notOwner;
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
        {
            // PostgreSQL unreachable (a grain activating, or the ledger): the caller retries until its
            // deadline and then fails closed; nothing was acknowledged.
            throw new SiloUnavailableException($"Storage unavailable on this silo: {ex.Message}", ex);
        }
        finally
        {
            ownership.Exit(partition);
        }
    }

    private static readonly AckReply NotOwnerAck = new(NotOwner: true);
    private static readonly AckReply Done = new(NotOwner: false);

    public ValueTask<AuthorizeResult> AuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken) =>
        ServeAsync(request.OrganizationId, AuthorizeResult.NotOwner("This silo does not serve the organization's partition."),
            () => authorizer.AuthorizeAsync(request, cancellationToken), admits: true);

    public ValueTask<AckReply> ReassertAsync(ReassertRequest request, CancellationToken cancellationToken) =>
        ServeAsync(request.OrganizationId, NotOwnerAck, async () =>
        {
            await authorizer.ReassertAsync(request.OrganizationId, request.Requests, cancellationToken);
            return Done;
        });

    public ValueTask<SettleReply> SettleAsync(SettleRequest request, CancellationToken cancellationToken) =>
        ServeAsync(request.OrganizationId, new SettleReply(SettleOutcome.NotOwner),
            async () => new SettleReply(await authorizer.SettleAsync(request, cancellationToken)));

    public ValueTask<AckReply> ReleaseAsync(ReleaseRequest request, CancellationToken cancellationToken) =>
        ServeAsync(request.OrganizationId, NotOwnerAck, async () =>
        {
            await authorizer.ReleaseAsync(request, cancellationToken);
            return Done;
        });

    public ValueTask<CreditsReply> GetCreditsAsync(CreditsQuery query, CancellationToken cancellationToken) =>
        ServeAsync(query.OrganizationId, new CreditsReply(true, default),
            async () => new CreditsReply(false, await authorizer.GetCreditsAsync(query.OrganizationId, cancellationToken)));

    public ValueTask<BudgetReply> GetBudgetAsync(BudgetQuery query, CancellationToken cancellationToken) =>
        ServeAsync(query.OrganizationId, new BudgetReply(true, default),
            async () => new BudgetReply(false, await authorizer.GetBudgetAsync(query.OrganizationId, new BudgetScope(query.Kind, query.ScopeId), cancellationToken)));

    public ValueTask<AckReply> DeactivateOrganizationAsync(DeactivateOrganizationCommand command, CancellationToken cancellationToken) =>
        ServeAsync(command.OrganizationId, NotOwnerAck, async () =>
        {
            await catalog.DeactivateOrganizationAsync(command.OrganizationId, cancellationToken);
            return Done;
        });

    public ValueTask<AckReply> RefreshAsync(RefreshCommand command, CancellationToken cancellationToken) =>
        ServeAsync(command.OrganizationId, NotOwnerAck, async () =>
        {
            IGrainRef<ISpendScopeGrain> grain = command.GrainType switch
            {
                IApiKeyGrain.TypeName => catalog.Get<IApiKeyGrain>(command.OrganizationId, command.Key),
                ITeamGrain.TypeName => catalog.Get<ITeamGrain>(command.OrganizationId, command.Key),
                IOrganizationGrain.TypeName => catalog.Get<IOrganizationGrain>(command.OrganizationId, command.Key),
                IBudgetGrain.TypeName => catalog.Get<IBudgetGrain>(command.OrganizationId, command.Key),
                _ => throw new ArgumentException($"Unknown grain type '{command.GrainType}'.", nameof(command)),
            };
            await grain.Call(g => g.Refresh(), cancellationToken);
            return Done;
        });
}
