using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Credits;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Operator;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Billing;

/// <summary><c>GET, PATCH /v1/billing</c>: the owner's plan, fee, default limits, credits and recent ledger entries.</summary>
internal static class BillingApi
{
    public static IEndpointRouteBuilder MapNemoBillingApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/billing", GetAsync).Members(MemberRole.Owner, "see billing");
        app.MapPatch("/v1/billing", PatchAsync).Members(MemberRole.Owner, "change the plan");
        return app;
    }

    private static async Task<IResult> GetAsync(HttpContext context, BillingStore store, Propagation propagation)
    {
        AdminCaller caller = AdminCaller.Of(context);
        return AdminJson.Ok(await store.ViewAsync(caller.OrganizationId, await propagation.CreditsAsync(caller.OrganizationId, context.RequestAborted), context.RequestAborted));
    }

    private static async Task<IResult> PatchAsync(HttpContext context, BillingStore store, Propagation propagation, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        using (input)
        {
            if (!input.OnlyKnown(out error, "plan") || !input.RequiredString("plan", 32, out string planName, out error))
                return error.ToResult();
            Plan? plan = Plan.Find(planName);
            if (plan is null)
                return OperatorApi.PlanError(planName).ToResult();
            if (plan == Plan.Enterprise)
                return OpenAIError.BadRequest("The enterprise plan has custom terms arranged with the operator; choose payg, tier2 or tier3 here.", "plan", "invalid_value").ToResult();
            await store.ChangePlanAsync(caller, plan, context.RequestAborted);
            await propagation.OrganizationAsync(caller.OrganizationId, CancellationToken.None);
            return AdminJson.Ok(await store.ViewAsync(caller.OrganizationId, await propagation.CreditsAsync(caller.OrganizationId, context.RequestAborted), context.RequestAborted));
        }
    }
}
