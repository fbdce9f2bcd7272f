using Nemo.Grains.Contracts;
using Nemo.Grains.Scopes;
using Nemo.Grains.Spend;
using Nemo.Grains.Storage;
using Nemo.Grains.Tenancy;

namespace Nemo.Grains.Organization;

/// <summary>
/// The in-memory spend state of one organization: its organization scope, the key, team and budget
/// scopes met so far (loaded on first use, then kept), and the reservation of every request in flight
/// with the scopes it holds. No I/O of its own beyond loading configuration through
/// <see cref="ISpendStore"/>; the grain runs it one turn at a time.
///
/// Guarantees (checked in SpendBookTests):
/// - <see cref="Reserve"/> is all-or-nothing over the scopes, in a fixed order (key, team, organization,
///   budgets), and runs without awaiting, so no other call interleaves between check and reserve;
/// - a reservation is found by request id alone: release and settle touch exactly the scopes it holds;
/// - releasing or settling an id that is not held changes no reservation.
/// </summary>
internal sealed class SpendBook(Guid organizationId, ISpendStore store, TimeProvider time)
{
    private readonly Dictionary<Guid, KeyScope> _keys = new();
    private readonly Dictionary<Guid, TeamScope> _teams = new();
    private readonly Dictionary<BudgetScope, BudgetSpendScope> _budgets = new();
    private readonly Dictionary<Guid, Held> _held = new();

    private sealed record Held(HeldReservation Reservation, SpendScope[] Scopes);

    public Guid OrganizationId { get; } = organizationId;

    public OrganizationScope Organization { get; } = new(time);

    public int HeldCount => _held.Count;

    public bool Holds(Guid requestId) => _held.ContainsKey(requestId);

    public IEnumerable<BudgetSpendScope> Budgets => _budgets.Values;

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        Organization.Apply(await store.LoadOrganizationAsync(OrganizationId, cancellationToken));
        Organization.LoadSpent(await store.LoadSpendAsync(OrganizationId, new BudgetScope(BudgetScopeKind.Organization, OrganizationId.ToString()), DateOnly.MinValue, cancellationToken));
    }

    /// <summary>The scopes a request of this team, key and customer reserves on, loading those not met yet.</summary>
    public async ValueTask<SpendScope[]> ScopesAsync(Guid teamId, Guid keyId, string? customerId, CancellationToken cancellationToken)
    {
        KeyScope key = _keys.GetValueOrDefault(keyId) ?? await LoadKeyAsync(keyId, cancellationToken);
        TeamScope team = _teams.GetValueOrDefault(teamId) ?? await LoadTeamAsync(teamId, cancellationToken);
        IReadOnlyList<BudgetScope> budgetScopes = Organization.BudgetsFor(OrganizationId, teamId, keyId, customerId);
        var scopes = new SpendScope[3 + budgetScopes.Count];
        scopes[0] = key;
        scopes[1] = team;
        scopes[2] = Organization;
        for (int i = 0; i < budgetScopes.Count; i++)
            scopes[3 + i] = _budgets.GetValueOrDefault(budgetScopes[i]) ?? await LoadBudgetAsync(budgetScopes[i], cancellationToken);
        return scopes;
    }

    // Each loader re-checks after its await: another call may have loaded the same scope meanwhile
    // (the grain is reentrant), and that one may already hold reservations, so it wins.
    private async Task<KeyScope> LoadKeyAsync(Guid keyId, CancellationToken cancellationToken)
    {
        var scope = new KeyScope(time);
        scope.Apply(await store.LoadKeyAsync(OrganizationId, keyId, cancellationToken));
        return _keys.TryAdd(keyId, scope) ? scope : _keys[keyId];
    }

    private async Task<TeamScope> LoadTeamAsync(Guid teamId, CancellationToken cancellationToken)
    {
        var scope = new TeamScope(time);
        scope.Apply(await store.LoadTeamAsync(OrganizationId, teamId, cancellationToken));
        return _teams.TryAdd(teamId, scope) ? scope : _teams[teamId];
    }

    private async Task<BudgetSpendScope> LoadBudgetAsync(BudgetScope budget, CancellationToken cancellationToken)
    {
        var scope = new BudgetSpendScope(budget, time);
        await ApplyBudgetAsync(scope, cancellationToken);
        return _budgets.TryAdd(budget, scope) ? scope : _budgets[budget];
    }

    private async Task ApplyBudgetAsync(BudgetSpendScope scope, CancellationToken cancellationToken)
    {
        BudgetRecord? record = await store.LoadBudgetAsync(OrganizationId, scope.Scope, cancellationToken);
        DateOnly periodStart = scope.Apply(record);
        scope.LoadSpent(record is null ? 0 : await store.LoadSpendAsync(OrganizationId, scope.Scope, periodStart, cancellationToken));
    }

    /// <summary>Check-and-reserve, all or nothing: on the first refusal the scopes already reserved are released.</summary>
    public AuthorizeResult Reserve(AuthorizeRequest request, SpendScope[] scopes, DateTimeOffset expiresAt)
    {
        if (_held.ContainsKey(request.RequestId))
            return AuthorizeResult.Admit(default); // a retried authorize whose first answer was lost
        var reservation = new Reservation(request.RequestId, request.CostUpperBound, request.TokenEstimate, expiresAt);
        RateLimitSnapshot limits = default;
        for (int i = 0; i < scopes.Length; i++)
        {
            ScopeDecision decision = scopes[i].TryReserve(reservation, request.Model);
            limits = limits.Merge(decision.RateLimits);
            if (!decision.Admitted)
            {
                for (int j = i - 1; j >= 0; j--)
                    scopes[j].Release(request.RequestId);
                return new AuthorizeResult(decision.Outcome, decision.Code, decision.Message, limits, decision.RetryAfterMs);
            }
        }
        _held.Add(request.RequestId, new Held(new HeldReservation(request.RequestId, request.TeamId, request.KeyId, request.CustomerId,
            request.CostUpperBound, request.TokenEstimate, expiresAt), scopes));
        return AuthorizeResult.Admit(limits);
    }

    /// <summary>The intersection of the scopes' model allow-lists, in the first list's order; null when none has one.</summary>
    public static IReadOnlyList<string>? AllowedModels(SpendScope[] scopes)
    {
        IReadOnlyList<string>? effective = null;
        foreach (SpendScope scope in scopes)
        {
            if (scope.AllowedModels is { } allowed)
                effective = effective is null ? [.. allowed.Distinct(StringComparer.Ordinal)] : [.. effective.Where(m => allowed.Contains(m, StringComparer.Ordinal))];
        }
        return effective;
    }

    /// <summary>Holds a reservation without checks (handed over by the previous activation, or re-presented by a gateway).</summary>
    public void Hold(HeldReservation held, SpendScope[] scopes)
    {
        if (_held.ContainsKey(held.RequestId))
            return;
        var reservation = new Reservation(held.RequestId, held.Cost, held.Tokens, held.ExpiresAt);
        foreach (SpendScope scope in scopes)
            scope.Hold(reservation);
        _held.Add(held.RequestId, new Held(held, scopes));
    }

    public bool Release(Guid requestId)
    {
        if (!_held.Remove(requestId, out Held? held))
            return false;
        foreach (SpendScope scope in held.Scopes)
            scope.Release(requestId);
        return true;
    }

    /// <summary>Drops the reservation (if held) and debits the charge on the request's scopes.</summary>
    public void Charge(Charge charge, SpendScope[] scopes)
    {
        _held.Remove(charge.RequestId);
        foreach (SpendScope scope in scopes)
            scope.Settle(charge);
    }

    /// <summary>The scopes a held reservation holds, or null when it is not held.</summary>
    public SpendScope[]? HeldScopes(Guid requestId) => _held.TryGetValue(requestId, out Held? held) ? held.Scopes : null;

    /// <summary>Releases reservations past their deadline (rate-limit units are not given back) and returns them.</summary>
    public IReadOnlyList<ExpiredReservation> Expire(DateTimeOffset now)
    {
        List<ExpiredReservation>? expired = null;
        foreach (Held held in _held.Values)
        {
            if (held.Reservation.ExpiresAt <= now)
                (expired ??= []).Add(new ExpiredReservation(held.Reservation.RequestId, held.Reservation.Cost, held.Reservation.ExpiresAt));
        }
        if (expired is null)
            return [];
        foreach (ExpiredReservation e in expired)
        {
            _held.Remove(e.RequestId, out Held? held);
            foreach (SpendScope scope in held!.Scopes)
                scope.Expire(e.RequestId);
        }
        return expired;
    }

    public IReadOnlyList<HeldReservation> HeldReservations() => [.. _held.Values.Select(h => h.Reservation)];

    public BudgetView BudgetView(BudgetScope budget) =>
        _budgets.TryGetValue(budget, out BudgetSpendScope? scope) ? scope.View() : new BudgetView(false, 0, 0, 0, default);

    /// <summary>Re-reads one scope's configuration after an administrative change.</summary>
    public async Task RefreshAsync(ScopeChange change, CancellationToken cancellationToken)
    {
        switch (change.Kind)
        {
            case ScopeChangeKind.Organization:
                Organization.Apply(await store.LoadOrganizationAsync(OrganizationId, cancellationToken));
                break;
            case ScopeChangeKind.Key when Guid.TryParse(change.Id, out Guid keyId) && _keys.TryGetValue(keyId, out KeyScope? key):
                key.Apply(await store.LoadKeyAsync(OrganizationId, keyId, cancellationToken));
                break;
            case ScopeChangeKind.Team when Guid.TryParse(change.Id, out Guid teamId) && _teams.TryGetValue(teamId, out TeamScope? team):
                team.Apply(await store.LoadTeamAsync(OrganizationId, teamId, cancellationToken));
                break;
            case ScopeChangeKind.Budget:
                Organization.Apply(await store.LoadOrganizationAsync(OrganizationId, cancellationToken));
                string[] parts = change.Id.Split(':', 2);
                if (parts.Length == 2 && BudgetScope.TryParseKind(parts[0], out BudgetScopeKind kind)
                    && _budgets.TryGetValue(new BudgetScope(kind, parts[1]), out BudgetSpendScope? budget))
                    await ApplyBudgetAsync(budget, cancellationToken);
                break;
        }
    }

    /// <summary>Loads a budget's scope for a read (GET /v1/budgets/…) when no request has touched it yet.</summary>
    public async ValueTask<BudgetView> ReadBudgetAsync(BudgetScope budget, CancellationToken cancellationToken)
    {
        BudgetSpendScope scope = _budgets.GetValueOrDefault(budget) ?? await LoadBudgetAsync(budget, cancellationToken);
        return scope.View();
    }
}
