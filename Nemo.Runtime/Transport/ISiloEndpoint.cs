using Nemo.Grains.Spend;

namespace Nemo.Runtime.Transport;

/// <summary>
/// The calls a silo answers, for the organization partitions it owns. The same interface is served
/// in-process (<see cref="Silo.LocalSiloEndpoint"/>) and over HTTP/2 (<see cref="HttpSiloEndpoint"/>);
/// the cluster client picks one per call by the partition's owner.
/// </summary>
public interface ISiloEndpoint
{
    ValueTask<AuthorizeResult> AuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken);

    ValueTask<SettleReply> SettleAsync(SettleRequest request, CancellationToken cancellationToken);

    ValueTask<AckReply> ReleaseAsync(ReleaseRequest request, CancellationToken cancellationToken);

    ValueTask<CreditsReply> GetCreditsAsync(CreditsQuery query, CancellationToken cancellationToken);

    ValueTask<BudgetReply> GetBudgetAsync(BudgetQuery query, CancellationToken cancellationToken);

    ValueTask<AckReply> RefreshAsync(RefreshCommand command, CancellationToken cancellationToken);

    ValueTask<AckReply> ReassertAsync(ReassertRequest request, CancellationToken cancellationToken);

    ValueTask<AckReply> DeactivateOrganizationAsync(DeactivateOrganizationCommand command, CancellationToken cancellationToken);
}
