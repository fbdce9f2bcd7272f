using Nemo.Grains.Tenancy;

namespace Nemo.Grains.Storage;

/// <summary>
/// What grains read when they activate or refresh: configuration rows and spend already made durable.
/// Never called per request: only on activation, refresh and period roll-over.
/// </summary>
public interface ISpendStore
{
    Task<ApiKeyRecord?> LoadKeyAsync(Guid organizationId, Guid keyId, CancellationToken cancellationToken);

    Task<TeamRecord?> LoadTeamAsync(Guid organizationId, Guid teamId, CancellationToken cancellationToken);

    Task<OrganizationRecord?> LoadOrganizationAsync(Guid organizationId, CancellationToken cancellationToken);

    Task<BudgetRecord?> LoadBudgetAsync(Guid organizationId, BudgetScope scope, CancellationToken cancellationToken);

    /// <summary>Which of these request ids already have a usage event (settled), e.g. to drop restored reservations.</summary>
    Task<IReadOnlySet<Guid>> SettledAmongAsync(Guid organizationId, IReadOnlyCollection<Guid> requestIds, CancellationToken cancellationToken);

    /// <summary>Durable spend in nanos of one scope from <paramref name="fromDay"/> (UTC, inclusive) on.</summary>
    Task<long> LoadSpendAsync(Guid organizationId, BudgetScope scope, DateOnly fromDay, CancellationToken cancellationToken);
}
