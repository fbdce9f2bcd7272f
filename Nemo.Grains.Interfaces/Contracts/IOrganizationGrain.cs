using Nemo.Grains.Spend;
using Nemo.Grains.Tenancy;

namespace Nemo.Grains.Contracts;

/// <summary>
/// One organization's live spend state — credits, its teams', keys' and budgets' limits, RPM/TPM
/// buckets and the reservations of requests in flight — as one Orleans grain keyed by the
/// organization id. A gateway makes exactly one call to authorize a request and one to settle it.
/// Every call is idempotent by request id: a call that timed out has an unknown outcome and is retried
/// with the same id.
/// </summary>
[Alias("nemo.organization")]
public interface IOrganizationGrain : IGrainWithGuidKey
{
    /// <summary>Check-and-reserve on every scope of the request, all or nothing.</summary>
    [Alias("authorize")]
    Task<AuthorizeResult> Authorize(AuthorizeRequest request);

    /// <summary>
    /// Makes the usage event durable, then releases the reservation and debits the actual cost.
    /// Returns once durable; a second settle of the same request id changes nothing.
    /// </summary>
    [Alias("settle")]
    Task<SettleOutcome> Settle(SettleRequest request);

    /// <summary>
    /// Decides a request whose settle could not be confirmed in time, so that the client's answer is
    /// final: waits for a settle of it still in flight here, then writes a zero-cost usage event flagged
    /// <see cref="UsageFlags.Abandoned"/> under the same request id. The ledger keeps one event per
    /// request id, so exactly one of the two lands: <see cref="SettleOutcome.Abandoned"/> means nothing
    /// was or ever will be billed; <see cref="SettleOutcome.Settled"/> or
    /// <see cref="SettleOutcome.AlreadySettled"/> means the real settle is durable.
    /// </summary>
    [Alias("abandon")]
    Task<SettleOutcome> Abandon(SettleRequest request);

    /// <summary>Gives a reservation back (no tokens were produced); found by request id alone.</summary>
    [Alias("release")]
    Task<bool> Release(Guid requestId);

    /// <summary>The models a key of this team may use: the intersection of the organization's, team's and key's allow-lists; null = every model.</summary>
    [Alias("allowed-models")]
    Task<string[]?> GetAllowedModels(Guid teamId, Guid keyId);

    [Alias("credits")]
    Task<CreditsView> GetCredits();

    [Alias("budget")]
    Task<BudgetView> GetBudget(BudgetScope scope);

    /// <summary>Re-reads configuration (status, limits, budgets) after an administrative change.</summary>
    [Alias("refresh")]
    Task Refresh(ScopeChange change);

    /// <summary>Drops the activation (the organization was deleted): nothing more is admitted until re-read.</summary>
    [Alias("deactivate")]
    Task Deactivate();
}
