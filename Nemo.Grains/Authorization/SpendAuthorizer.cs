using Nemo.Grains.Contracts;
using Nemo.Grains.Spend;
using Nemo.Grains.Storage;
using Nemo.Grains.Tenancy;

namespace Nemo.Grains.Authorization;

/// <summary>
/// Authorizes and settles requests against one organization's grains, on the silo that owns the
/// organization's partition. Grains never call each other: this coordinator calls them one after the
/// other in a fixed order (key, team, organization, then the budgets), so there is no deadlock.
///
/// Guarantees:
/// - all-or-nothing: a request is admitted only if every scope admitted it; on the first refusal the
///   scopes already reserved are released, so a refused request changes no balance or counter;
/// - a settle makes its usage event durable before any in-memory balance moves, and the grains stay
///   pinned (not deactivated) between the two, so a reload can't count the event twice;
/// - settling the same request id again changes nothing (the ledger says Duplicate), unless the
///   first attempt's commit never reached the grains — then the still-held reservation is charged.
/// </summary>
public sealed class SpendAuthorizer(IGrainFactory grains, IUsageLedger ledger, ISpendStore store, TimeProvider time, SpendOptions options)
{
    /// <summary>
    /// Holds again reservations that gateways admitted on a silo that died: all of one organization,
    /// in the same scopes an authorization would reserve. Requests already settled are skipped.
    /// </summary>
    public async ValueTask ReassertAsync(Guid organizationId, IReadOnlyList<AuthorizeRequest> requests, CancellationToken cancellationToken)
    {
        IReadOnlySet<Guid> settled = await store.SettledAmongAsync(organizationId, [.. requests.Select(r => r.RequestId)], cancellationToken);
        DateTimeOffset expiresAt = time.GetUtcNow() + options.ReservationTtl;
        foreach (AuthorizeRequest request in requests)
        {
            if (settled.Contains(request.RequestId))
                continue;
            var reservation = new Reservation(request.RequestId, request.CostUpperBound, request.TokenEstimate, expiresAt);
            foreach (IGrainRef<ISpendScopeGrain> scope in await ScopesAsync(request.OrganizationId, request.TeamId, request.KeyId, request.CustomerId, cancellationToken))
                await scope.Call(g => g.Hold(reservation), cancellationToken);
        }
    }

    public async ValueTask<AuthorizeResult> AuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken)
    {
        IGrainRef<ISpendScopeGrain>[] scopes = await ScopesAsync(request.OrganizationId, request.TeamId, request.KeyId, request.CustomerId, cancellationToken);
        var reservation = new Reservation(request.RequestId, request.CostUpperBound, request.TokenEstimate, time.GetUtcNow() + options.ReservationTtl);
        RateLimitSnapshot limits = default;
        for (int i = 0; i < scopes.Length; i++)
        {
            ScopeDecision decision = await scopes[i].Call(g => g.TryReserve(reservation), cancellationToken);
            limits = limits.Merge(decision.RateLimits);
            if (!decision.Admitted)
            {
                for (int j = i - 1; j >= 0; j--)
                    await scopes[j].Call(g => g.Release(request.RequestId), CancellationToken.None);
                return new AuthorizeResult(decision.Outcome, decision.Code, decision.Message, limits, decision.RetryAfterMs);
            }
        }
        return AuthorizeResult.Admit(limits);
    }

    public async ValueTask ReleaseAsync(ReleaseRequest request, CancellationToken cancellationToken)
    {
        IGrainRef<ISpendScopeGrain>[] scopes = await ScopesAsync(request.OrganizationId, request.TeamId, request.KeyId, request.CustomerId, cancellationToken);
        foreach (IGrainRef<ISpendScopeGrain> scope in scopes)
            await scope.Call(g => g.Release(request.RequestId), CancellationToken.None);
    }

    public async ValueTask<SettleOutcome> SettleAsync(SettleRequest request, CancellationToken cancellationToken)
    {
        IGrainRef<ISpendScopeGrain>[] scopes = await ScopesAsync(request.OrganizationId, request.TeamId, request.KeyId, request.CustomerId, cancellationToken);
        var pins = new IAsyncDisposable[scopes.Length];
        int pinned = 0;
        try
        {
            for (; pinned < scopes.Length; pinned++)
                pins[pinned] = await scopes[pinned].PinAsync(cancellationToken);

            DateTimeOffset occurredAt = time.GetUtcNow();
            AppendOutcome appended = await ledger.AppendAsync(request, occurredAt, cancellationToken);
            if (appended == AppendOutcome.Fenced)
                return SettleOutcome.NotOwner;
            long tokens = request.PromptTokens + request.CompletionTokens;
            var charge = new Charge(request.RequestId, request.Cost, tokens, request.TokenEstimate, occurredAt);
            if (appended == AppendOutcome.Duplicate)
            {
                // Durable already. If an earlier attempt committed but never reached the grains, the
                // reservation is still held: charge it now, exactly once.
                foreach (IGrainRef<ISpendScopeGrain> scope in scopes)
                    await scope.Call(g => g.SettleIfHeld(charge), CancellationToken.None);
                return SettleOutcome.AlreadySettled;
            }
            foreach (IGrainRef<ISpendScopeGrain> scope in scopes)
                await scope.Call(g => g.Settle(charge), CancellationToken.None);
            return SettleOutcome.Settled;
        }
        finally
        {
            for (int i = 0; i < pinned; i++)
                await pins[i].DisposeAsync();
        }
    }

    public ValueTask<CreditsView> GetCreditsAsync(Guid organizationId, CancellationToken cancellationToken) =>
        grains.Get<IOrganizationGrain>(organizationId, organizationId.ToString()).Call(g => g.GetCredits(), cancellationToken);

    public ValueTask<BudgetView> GetBudgetAsync(Guid organizationId, BudgetScope scope, CancellationToken cancellationToken) =>
        grains.Get<IBudgetGrain>(organizationId, scope.ToString()).Call(g => g.Get(), cancellationToken);

    private async ValueTask<IGrainRef<ISpendScopeGrain>[]> ScopesAsync(Guid organizationId, Guid teamId, Guid keyId, string? customerId, CancellationToken cancellationToken)
    {
        IGrainRef<IOrganizationGrain> organization = grains.Get<IOrganizationGrain>(organizationId, organizationId.ToString());
        IReadOnlyList<BudgetScope> budgets = await organization.Call(g => g.BudgetsFor(teamId, keyId, customerId), cancellationToken);
        var scopes = new IGrainRef<ISpendScopeGrain>[3 + budgets.Count];
        scopes[0] = grains.Get<IApiKeyGrain>(organizationId, keyId.ToString());
        scopes[1] = grains.Get<ITeamGrain>(organizationId, teamId.ToString());
        scopes[2] = organization;
        for (int i = 0; i < budgets.Count; i++)
            scopes[3 + i] = grains.Get<IBudgetGrain>(organizationId, budgets[i].ToString());
        return scopes;
    }
}
