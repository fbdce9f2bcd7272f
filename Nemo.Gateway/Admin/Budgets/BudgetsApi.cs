using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Grains.Contracts;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Budgets;

/// <summary>
/// <c>/v1/budgets/{scope}/{id}</c> (read: all; write: owner, admin) and <c>GET /v1/budgets</c> (all). A change
/// reaches the organization grain (its set of budgets) and the budget grain before the response.
/// </summary>
internal static class BudgetsApi
{
    public static IEndpointRouteBuilder MapNemoBudgetsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/budgets", ListAsync).Members(MemberRole.Viewer, "read budgets");
        app.MapGet("/v1/budgets/{scope}/{id}", GetAsync).Members(MemberRole.Viewer, "read budgets");
        app.MapPut("/v1/budgets/{scope}/{id}", PutAsync).Members(MemberRole.Admin, "change budgets");
        app.MapDelete("/v1/budgets/{scope}/{id}", DeleteAsync).Members(MemberRole.Admin, "remove budgets");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, BudgetStore store, Propagation propagation)
    {
        AdminCaller caller = AdminCaller.Of(context);
        var shaped = new List<object>();
        foreach (BudgetRow row in await store.ListAsync(caller.OrganizationId, context.RequestAborted))
            shaped.Add(Shape(row, await propagation.BudgetViewAsync(caller.OrganizationId, row.Scope, context.RequestAborted)));
        return AdminJson.List(shaped);
    }

    private static async Task<IResult> GetAsync(HttpContext context, string scope, string id, BudgetStore store, Propagation propagation)
    {
        AdminCaller caller = AdminCaller.Of(context);
        Outcome<BudgetScope> resolved = await store.ResolveAsync(caller, scope, id, context.RequestAborted);
        if (!resolved.Ok)
            return resolved.Error.ToResult();
        return await ResultAsync(caller.OrganizationId, resolved.Value, store, propagation, context.RequestAborted);
    }

    private static async Task<IResult> PutAsync(HttpContext context, string scope, string id, BudgetStore store, Propagation propagation, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        Outcome<BudgetScope> resolved = await store.ResolveAsync(caller, scope, id, context.RequestAborted);
        if (!resolved.Ok)
            return resolved.Error.ToResult();
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        using (input)
        {
            if (!input.OnlyKnown(out error, "limit", "period", "soft_thresholds", "rpm", "tpm")
                || !input.RequiredUsd("limit", allowZero: true, out long limit, out error)
                || !input.RequiredString("period", 16, out string periodText, out error)
                || !input.OptionalIntArray("soft_thresholds", 1, 100, out int[]? thresholds, out error)
                || !input.OptionalPositiveLong("rpm", out long? rpm, out error)
                || !input.OptionalPositiveLong("tpm", out long? tpm, out error))
                return error.ToResult();
            if (!BudgetPeriods.TryParse(periodText, out BudgetPeriod period))
                return OpenAIError.BadRequest($"period must be monthly, weekly, daily or total (got '{periodText}').", "period", "invalid_value").ToResult();
            await store.PutAsync(caller, new BudgetRow(resolved.Value, limit, period, thresholds ?? [50, 80, 100], rpm, tpm), context.RequestAborted);
        }
        await propagation.BudgetAsync(caller.OrganizationId, resolved.Value, CancellationToken.None);
        return await ResultAsync(caller.OrganizationId, resolved.Value, store, propagation, context.RequestAborted);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string scope, string id, BudgetStore store, Propagation propagation)
    {
        AdminCaller caller = AdminCaller.Of(context);
        Outcome<BudgetScope> resolved = await store.ResolveAsync(caller, scope, id, context.RequestAborted);
        if (!resolved.Ok)
            return resolved.Error.ToResult();
        if (!await store.DeleteAsync(caller, resolved.Value, context.RequestAborted))
            return NoBudget(resolved.Value).ToResult();
        await propagation.BudgetAsync(caller.OrganizationId, resolved.Value, CancellationToken.None);
        return AdminJson.Ok(new { scope = BudgetScope.KindName(resolved.Value.Kind), scope_id = resolved.Value.Id, deleted = true });
    }

    private static async Task<IResult> ResultAsync(Guid organizationId, BudgetScope scope, BudgetStore store, Propagation propagation, CancellationToken cancellationToken)
    {
        BudgetRow? row = await store.GetAsync(organizationId, scope, cancellationToken);
        if (row is null)
            return NoBudget(scope).ToResult();
        return AdminJson.Ok(Shape(row, await propagation.BudgetViewAsync(organizationId, scope, cancellationToken)));
    }

    private static OpenAIError NoBudget(BudgetScope scope) =>
        OpenAIError.NotFound($"No budget is set for {scope}; create one with PUT.", "budget_not_found");

    private static object Shape(BudgetRow row, BudgetView live) => new
    {
        scope = BudgetScope.KindName(row.Scope.Kind), scope_id = row.Scope.Id, limit = AdminJson.Money(row.LimitNanos),
        period = BudgetPeriods.Name(row.Period), soft_thresholds = row.SoftThresholds, rpm = row.Rpm, tpm = row.Tpm,
        spent = AdminJson.Money(live.Spent), reserved = AdminJson.Money(live.Reserved),
        period_start = live.Exists && row.Period != BudgetPeriod.Total ? live.PeriodStart.ToString("yyyy-MM-dd") : null,
    };
}
