using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Hosting;
using Nemo.Gateway.Keys;
using Nemo.Grains.Contracts;
using Nemo.Grains.Tenancy;
using Nemo.Runtime.Client;

namespace Nemo.Gateway.Admin;

/// <summary>
/// The administration routes that the request path needs today (API.md): signup, operator-created
/// organizations and credit grants, keys, credits and budgets. Role checks are server-side on every call.
/// </summary>
internal static class AdminApi
{
    private const int MaxName = 200;

    public static IEndpointRouteBuilder MapNemoAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/signup", SignupAsync);
        app.MapPost("/v1/admin/organizations", CreateOrganizationAsync);
        app.MapPost("/v1/admin/organizations/{id}/credits", GrantCreditsAsync);
        app.MapPost("/v1/keys", CreateKeyAsync);
        app.MapGet("/v1/credits", GetCreditsAsync);
        app.MapPut("/v1/budgets/{scope}/{id}", PutBudgetAsync);
        app.MapGet("/v1/budgets/{scope}/{id}", GetBudgetAsync);
        return app;
    }

    private static string? Ip(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();

    private static async Task<IResult> SignupAsync(HttpContext context, AdminAuthenticator auth, TenancyStore store, ApiKeyCache keys, GatewayOptions options)
    {
        bool isOperator = auth.IsOperator(context.Request);
        if (!options.SignupOpen && !isOperator)
            return OpenAIError.Forbidden("Signup is closed on this gateway (Nemo:Gateway:SignupOpen is false); ask the operator to create your organization.", "signup_closed").ToResult();
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request);
        if (input is null)
            return error.ToResult();
        using (input)
        {
            if (!input.RequiredString("email", 254, out string email, out error) || !input.RequiredString("organization_name", MaxName, out string name, out error))
                return error.ToResult();
            if (!LooksLikeEmail(email))
                return OpenAIError.BadRequest($"email '{email}' is not a valid email address.", "email", "invalid_value").ToResult();
            TenancyStore.CreatedOrganization? created = await store.CreateOrganizationAsync(name, email, Plan.Payg.Name, isOperator ? "operator" : $"signup:{email}", Ip(context), context.RequestAborted);
            if (created is null)
                return OpenAIError.Conflict($"The user {email} already belongs to an organization; a user can belong to only one.", "already_member").ToResult();
            await PutOwnerKeyAsync(keys, created);
            return AdminJson.Ok(new { user_id = created.OwnerUserId, organization_id = created.OrganizationId, team_id = created.TeamId, api_key = created.ApiKey }, StatusCodes.Status201Created);
        }
    }

    private static async Task<IResult> CreateOrganizationAsync(HttpContext context, AdminAuthenticator auth, TenancyStore store, ApiKeyCache keys)
    {
        if (auth.RequireOperator(context.Request) is { } denied)
            return denied.ToResult();
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request);
        if (input is null)
            return error.ToResult();
        using (input)
        {
            if (!input.RequiredString("name", MaxName, out string name, out error)
                || !input.RequiredString("owner_email", 254, out string email, out error)
                || !input.OptionalString("plan", 32, out string? planName, out error))
                return error.ToResult();
            if (!LooksLikeEmail(email))
                return OpenAIError.BadRequest($"owner_email '{email}' is not a valid email address.", "owner_email", "invalid_value").ToResult();
            Plan? plan = Plan.Find(planName ?? Plan.Payg.Name);
            if (plan is null)
                return OpenAIError.BadRequest($"plan must be one of {string.Join(", ", Plan.All.Select(p => p.Name))} (got '{planName}').", "plan", "invalid_value").ToResult();
            TenancyStore.CreatedOrganization? created = await store.CreateOrganizationAsync(name, email, plan.Name, "operator", Ip(context), context.RequestAborted);
            if (created is null)
                return OpenAIError.Conflict($"The user {email} already belongs to an organization; a user can belong to only one.", "already_member").ToResult();
            await PutOwnerKeyAsync(keys, created);
            return AdminJson.Ok(new { organization_id = created.OrganizationId, owner_user_id = created.OwnerUserId, team_id = created.TeamId, api_key = created.ApiKey }, StatusCodes.Status201Created);
        }
    }

    private static async Task PutOwnerKeyAsync(ApiKeyCache keys, TenancyStore.CreatedOrganization created) =>
        await keys.ReloadOneAsync(created.KeyHash, CancellationToken.None);

    private static async Task<IResult> GrantCreditsAsync(HttpContext context, string id, AdminAuthenticator auth, TenancyStore store, ClusterClient cluster)
    {
        if (auth.RequireOperator(context.Request) is { } denied)
            return denied.ToResult();
        if (!Guid.TryParse(id, out Guid organizationId))
            return OpenAIError.NotFound($"No organization '{id}'.", "organization_not_found").ToResult();
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request);
        if (input is null)
            return error.ToResult();
        using (input)
        {
            if (!input.RequiredUsd("amount", allowZero: false, out long amount, out error) || !input.OptionalString("reason", 500, out string? reason, out error))
                return error.ToResult();
            if (!await store.GrantCreditsAsync(organizationId, amount, reason, "operator", Ip(context), context.RequestAborted))
                return OpenAIError.NotFound($"No organization '{id}'.", "organization_not_found").ToResult();
            await cluster.RefreshOrganizationAsync(organizationId, context.RequestAborted);
            return CreditsResult(await cluster.GetCreditsAsync(organizationId, context.RequestAborted));
        }
    }

    private static async Task<IResult> GetCreditsAsync(HttpContext context, AdminAuthenticator auth, ClusterClient cluster)
    {
        (AdminCaller? caller, OpenAIError error) = await auth.AuthenticateAsync(context, allowOperator: false);
        if (caller is null)
            return error.ToResult();
        return CreditsResult(await cluster.GetCreditsAsync(caller.OrganizationId, context.RequestAborted));
    }

    private static IResult CreditsResult(CreditsView credits) => AdminJson.Ok(new
    {
        balance = AdminJson.Money(credits.Balance),
        reserved = AdminJson.Money(credits.Reserved),
        spent = AdminJson.Money(credits.Spent),
        purchased = AdminJson.Money(credits.Purchased),
        currency = "USD",
    });

    private static async Task<IResult> CreateKeyAsync(HttpContext context, AdminAuthenticator auth, TenancyStore store, ApiKeyCache keys, TimeProvider time)
    {
        (AdminCaller? caller, OpenAIError error) = await auth.AuthenticateAsync(context, allowOperator: false);
        if (caller is null)
            return error.ToResult();
        if (!caller.IsAtLeast(MemberRole.Member))
            return OpenAIError.Forbidden("Viewers cannot create keys; ask an owner or admin to change your role.", "role_forbidden").ToResult();
        (JsonInput? input, OpenAIError inputError) = await JsonInput.ReadAsync(context.Request);
        if (input is null)
            return inputError.ToResult();
        using (input)
        {
            if (!input.RequiredString("name", MaxName, out string name, out error)
                || !input.OptionalGuid("team_id", out Guid? teamId, out error)
                || !input.OptionalTimestamp("expires_at", out DateTimeOffset? expiresAt, out error)
                || !input.OptionalPositiveLong("rpm", out long? rpm, out error)
                || !input.OptionalPositiveLong("tpm", out long? tpm, out error))
                return error.ToResult();
            if (expiresAt is { } expiry && expiry <= time.GetUtcNow())
                return OpenAIError.BadRequest($"expires_at ({expiry:O}) must be in the future.", "expires_at", "invalid_value").ToResult();
            Guid team = teamId ?? caller.TeamId;
            if (teamId is not null && !await store.TeamExistsAsync(caller.OrganizationId, team, context.RequestAborted))
                return OpenAIError.NotFound($"No team '{teamId}' in this organization.", "team_not_found", "team_id").ToResult();
            TenancyStore.CreatedKey key = await store.CreateKeyAsync(caller, name, team, expiresAt, rpm, tpm, Ip(context), context.RequestAborted);
            await keys.ReloadOneAsync(key.Hash, CancellationToken.None);
            return AdminJson.Ok(new
            {
                id = key.Id, key = key.Secret, prefix = key.Prefix, name = key.Name, team_id = key.TeamId, user_id = key.UserId,
                created_at = key.CreatedAt, expires_at = key.ExpiresAt,
            }, StatusCodes.Status201Created);
        }
    }

    private static async Task<IResult> PutBudgetAsync(HttpContext context, string scope, string id, AdminAuthenticator auth, TenancyStore store, ClusterClient cluster)
    {
        (AdminCaller? caller, OpenAIError error) = await auth.AuthenticateAsync(context, allowOperator: false);
        if (caller is null)
            return error.ToResult();
        if (!caller.IsAtLeast(MemberRole.Admin))
            return OpenAIError.Forbidden("Only owners and admins can change budgets.", "role_forbidden").ToResult();
        (BudgetScope? budgetScope, OpenAIError scopeError) = await ResolveScopeAsync(caller, scope, id, store, context.RequestAborted);
        if (budgetScope is not { } resolved)
            return scopeError.ToResult();
        (JsonInput? input, OpenAIError inputError) = await JsonInput.ReadAsync(context.Request);
        if (input is null)
            return inputError.ToResult();
        using (input)
        {
            if (!input.RequiredUsd("limit", allowZero: true, out long limit, out error)
                || !input.RequiredString("period", 16, out string periodText, out error)
                || !input.OptionalIntArray("soft_thresholds", 1, 100, out int[]? thresholds, out error)
                || !input.OptionalPositiveLong("rpm", out long? rpm, out error)
                || !input.OptionalPositiveLong("tpm", out long? tpm, out error))
                return error.ToResult();
            if (!BudgetPeriods.TryParse(periodText, out BudgetPeriod period))
                return OpenAIError.BadRequest($"period must be monthly, weekly, daily or total (got '{periodText}').", "period", "invalid_value").ToResult();
            await store.UpsertBudgetAsync(caller, new TenancyStore.BudgetRow(resolved, limit, period, thresholds ?? [50, 80, 100], rpm, tpm), Ip(context), context.RequestAborted);
            await cluster.RefreshOrganizationAsync(caller.OrganizationId, context.RequestAborted);
            await cluster.RefreshAsync(caller.OrganizationId, IBudgetGrain.TypeName, resolved.ToString(), context.RequestAborted);
            return await BudgetResultAsync(caller.OrganizationId, resolved, store, cluster, context.RequestAborted);
        }
    }

    private static async Task<IResult> GetBudgetAsync(HttpContext context, string scope, string id, AdminAuthenticator auth, TenancyStore store, ClusterClient cluster)
    {
        (AdminCaller? caller, OpenAIError error) = await auth.AuthenticateAsync(context, allowOperator: false);
        if (caller is null)
            return error.ToResult();
        (BudgetScope? budgetScope, OpenAIError scopeError) = await ResolveScopeAsync(caller, scope, id, store, context.RequestAborted);
        if (budgetScope is not { } resolved)
            return scopeError.ToResult();
        return await BudgetResultAsync(caller.OrganizationId, resolved, store, cluster, context.RequestAborted);
    }

    private static async Task<IResult> BudgetResultAsync(Guid organizationId, BudgetScope scope, TenancyStore store, ClusterClient cluster, CancellationToken cancellationToken)
    {
        TenancyStore.BudgetRow? row = await store.GetBudgetAsync(organizationId, scope, cancellationToken);
        if (row is null)
            return OpenAIError.NotFound($"No budget is set for {scope}.", "budget_not_found").ToResult();
        BudgetView live = await cluster.GetBudgetAsync(organizationId, scope, cancellationToken);
        return AdminJson.Ok(new
        {
            scope = BudgetScope.KindName(scope.Kind), scope_id = scope.Id, limit = AdminJson.Money(row.LimitNanos),
            period = BudgetPeriods.Name(row.Period), soft_thresholds = row.SoftThresholds, rpm = row.Rpm, tpm = row.Tpm,
            spent = AdminJson.Money(live.Spent), reserved = AdminJson.Money(live.Reserved),
            period_start = live.Exists && row.Period != BudgetPeriod.Total ? live.PeriodStart.ToString("yyyy-MM-dd") : null,
        });
    }

    /// <summary>Scope ids are checked against the caller's organization: another organization's id is simply not found.</summary>
    private static async Task<(BudgetScope?, OpenAIError)> ResolveScopeAsync(AdminCaller caller, string scope, string id, TenancyStore store, CancellationToken cancellationToken)
    {
        if (!BudgetScope.TryParseKind(scope, out BudgetScopeKind kind))
            return (null, OpenAIError.BadRequest($"scope must be organization, team, key or customer (got '{scope}').", "scope", "invalid_value"));
        if (kind == BudgetScopeKind.Customer)
            return id.Length is > 0 and <= 256 ? (new BudgetScope(kind, id), default) : (null, OpenAIError.BadRequest("A customer id is 1 to 256 characters.", "id", "invalid_value"));
        if (!Guid.TryParse(id, out Guid guid))
            return (null, OpenAIError.NotFound($"No {scope} '{id}' in this organization.", $"{scope}_not_found"));
        bool exists = kind switch
        {
            BudgetScopeKind.Organization => guid == caller.OrganizationId,
            BudgetScopeKind.Team => await store.TeamExistsAsync(caller.OrganizationId, guid, cancellationToken),
            _ => await store.KeyExistsAsync(caller.OrganizationId, guid, cancellationToken),
        };
        return exists ? (new BudgetScope(kind, guid.ToString()), default) : (null, OpenAIError.NotFound($"No {scope} '{id}' in this organization.", $"{scope}_not_found"));
    }

    private static bool LooksLikeEmail(string email)
    {
        int at = email.IndexOf('@');
        return at > 0 && at == email.LastIndexOf('@') && email.IndexOf('.', at) > at + 1 && !email.EndsWith('.') && !email.Any(char.IsWhiteSpace);
    }
}
