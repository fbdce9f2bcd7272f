using Nemo.Grains.Tenancy;

namespace Nemo.Grains.Contracts;

/// <summary>Credit balance, plan and the organization's RPM/TPM buckets. Key: the organization id.</summary>
public interface IOrganizationGrain : ISpendScopeGrain
{
    public const string TypeName = "org";

    /// <summary>The budget scopes that exist for a request of this team, key and customer.</summary>
    ValueTask<IReadOnlyList<BudgetScope>> BudgetsFor(Guid teamId, Guid keyId, string? customerId);

    ValueTask<CreditsView> GetCredits();
}
