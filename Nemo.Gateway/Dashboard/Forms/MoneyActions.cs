using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Nemo.Gateway.Access;
using Nemo.Gateway.Admin.Billing;
using Nemo.Gateway.Admin.Budgets;
using Nemo.Gateway.Admin.Credits;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Dashboard.Accounts;
using Nemo.Grains.Money;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Dashboard.Forms;

/// <summary>
/// The console's money forms: budgets at organization, team, key and customer scope (owner, admin),
/// buying credits after the fee was shown (owner) and changing plan (owner) — each with the policy of
/// the matching admin route and through the same stores.
/// </summary>
internal static class MoneyActions
{
    public static RouteGroupBuilder MapNemoMoneyActions(this RouteGroupBuilder org)
    {
        org.MapPost("/budgets/set", SetBudgetAsync).RequireAuthorization(AccessPolicies.ConsoleAdmin);
        org.MapPost("/billing/purchase", PurchaseAsync).RequireAuthorization(AccessPolicies.ConsoleOwner);
        org.MapPost("/billing/plan", ChangePlanAsync).RequireAuthorization(AccessPolicies.ConsoleOwner);
        return org;
    }

    /// <summary>Dollars as typed ("12.50") to nano-dollars, through decimal: never floating point.</summary>
    public static bool TryDollars(string text, out long nanos)
    {
        nanos = 0;
        return decimal.TryParse(text.TrimStart('$'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal usd) && Usd.TryToNanos(usd, out nanos);
    }

    private static async Task<IResult> SetBudgetAsync(HttpContext context, Guid org, IFormCollection form, BudgetStore store, Propagation propagation)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string back = $"/o/{org}/budgets";
        var input = new FormInput(form);
        string scope = input.Text("scope", "Scope", 16);
        string id = input.Text("scope_id", "Team, key or customer", 200, required: false);
        string limitText = input.Text("limit", "Limit", 32);
        string periodText = input.Text("period", "Period", 16);
        string thresholdsText = input.Text("soft_thresholds", "Soft thresholds", 64, required: false);
        if (!input.Ok)
            return AccountActions.Back(context, back, input.Error!);
        if (scope == "organization")
            id = org.ToString();
        if (!TryDollars(limitText, out long limit))
            return AccountActions.Back(context, back, $"Limit must be an amount in dollars, like 25 or 12.50 (got '{limitText}').");
        if (!BudgetPeriods.TryParse(periodText, out BudgetPeriod period))
            return AccountActions.Back(context, back, "Period must be monthly, weekly, daily or total.");
        var thresholds = new List<int>();
        foreach (string part in thresholdsText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int percent) || percent is < 1 or > 100)
                return AccountActions.Back(context, back, $"Soft thresholds are percentages from 1 to 100, separated by commas (got '{part}').");
            thresholds.Add(percent);
        }
        Outcome<BudgetScope> resolved = await store.ResolveAsync(caller, scope, id, context.RequestAborted);
        if (!resolved.Ok)
            return AccountActions.Back(context, back, resolved.Error.Message);
        await store.PutAsync(caller, new BudgetRow(resolved.Value, limit, period, thresholds.Count > 0 ? [.. thresholds.Distinct().Order()] : [50, 80, 100], null, null),
            context.RequestAborted);
        await propagation.BudgetAsync(caller.OrganizationId, resolved.Value, CancellationToken.None);
        Flash.Set(context, new Flash("ok", $"Budget saved: {Components.Money.Usd(limit)} {BudgetPeriods.Name(period)} for {scope} {(scope == "organization" ? "" : id)}."));
        return Results.Redirect(back);
    }

    private static async Task<IResult> PurchaseAsync(HttpContext context, Guid org, IFormCollection form, CreditStore store, Propagation propagation)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string back = $"/o/{org}/billing";
        var input = new FormInput(form);
        string amountText = input.Text("amount", "Amount", 32);
        string idempotency = input.Text("idempotency_key", "The purchase reference", 64);
        if (!input.Ok)
            return AccountActions.Back(context, back, input.Error!);
        if (!TryDollars(amountText, out long amount) || amount <= 0)
            return AccountActions.Back(context, back, $"Amount must be a positive amount in dollars (got '{amountText}').");
        PurchaseOutcome outcome = await store.PurchaseAsync(caller, amount, "console:" + idempotency, context.RequestAborted);
        if (outcome.Purchase is not { } purchase)
            return AccountActions.Back(context, back, $"The payment was declined: {outcome.DeclineReason}. Nothing was charged or credited.");
        await propagation.OrganizationAsync(caller.OrganizationId, CancellationToken.None);
        Flash.Set(context, new Flash("ok", $"{Components.Money.Usd(purchase.AmountNanos)} of credits added (fee {Components.Money.Usd(purchase.FeeNanos)})."));
        return Results.Redirect(back);
    }

    private static async Task<IResult> ChangePlanAsync(HttpContext context, Guid org, IFormCollection form, BillingStore store, Propagation propagation)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string back = $"/o/{org}/billing";
        var input = new FormInput(form);
        string name = input.Text("plan", "Plan", 32);
        if (!input.Ok)
            return AccountActions.Back(context, back, input.Error!);
        if (Plan.Find(name) is not { } plan || plan == Plan.Enterprise)
            return AccountActions.Back(context, back, "Choose payg, tier2 or tier3 (enterprise terms are arranged with the operator).");
        await store.ChangePlanAsync(caller, plan, context.RequestAborted);
        await propagation.OrganizationAsync(caller.OrganizationId, CancellationToken.None);
        Flash.Set(context, new Flash("ok", $"Plan changed to {plan.Name}."));
        return Results.Redirect(back);
    }
}
