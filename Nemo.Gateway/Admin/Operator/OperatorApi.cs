using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Access;
using Nemo.Gateway.Admin.Credits;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Signup;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Operator;

/// <summary><c>/v1/admin/…</c>: the operator's master key only. Organizations, credit grants, plans and custom terms.</summary>
internal static class OperatorApi
{
    public static IEndpointRouteBuilder MapNemoOperatorApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/admin/organizations", CreateAsync).Operator();
        app.MapGet("/v1/admin/organizations", ListAsync).Operator();
        app.MapGet("/v1/admin/organizations/{id}", GetAsync).Operator();
        app.MapPatch("/v1/admin/organizations/{id}", PatchAsync).Operator();
        app.MapPost("/v1/admin/organizations/{id}/credits", GrantAsync).Operator();
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, OrganizationFactory factory, Propagation propagation, IOptions<AdminOptions> options)
    {
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        using (input)
        {
            if (!input.OnlyKnown(out error, "name", "owner_email", "plan")
                || !input.RequiredString("name", SignupApi.MaxName, out string name, out error)
                || !input.RequiredString("owner_email", Emails.MaxLength, out string email, out error)
                || !input.OptionalString("plan", 32, out string? planName, out error))
                return error.ToResult();
            if (!Emails.LooksValid(email))
                return OpenAIError.BadRequest($"owner_email '{email}' is not a valid email address.", "owner_email", "invalid_value").ToResult();
            Plan? plan = Plan.Find(planName ?? Plan.Payg.Name);
            if (plan is null)
                return PlanError(planName).ToResult();
            CreatedOrganization? created = await factory.CreateAsync(name, email, plan.Name, "operator", MasterKey.IpOf(context), context.RequestAborted);
            if (created is null)
                return SignupApi.AlreadyMember(email).ToResult();
            await propagation.KeyAsync(created.OrganizationId, created.Key.Id, [created.Key.Hash], CancellationToken.None);
            return AdminJson.Created(new { organization_id = created.OrganizationId, owner_user_id = created.OwnerUserId, team_id = created.TeamId, api_key = created.Key.Secret });
        }
    }

    public static OpenAIError PlanError(string? plan) =>
        OpenAIError.BadRequest($"plan must be one of {string.Join(", ", Plan.All.Select(p => p.Name))} (got '{plan}').", "plan", "invalid_value");

    private static async Task<IResult> ListAsync(HttpContext context, OperatorStore store, IOptions<AdminOptions> options)
    {
        if (!Paging.TryRead(context.Request, options.Value.MaxPageSize, out Paging paging, out OpenAIError error))
            return error.ToResult();
        List<OperatorOrganizationView> rows = await store.ListAsync(paging, context.RequestAborted);
        return paging.Page(rows, r => (r.CreatedAt.UtcTicks, r.Id.ToString()));
    }

    private static async Task<IResult> GetAsync(HttpContext context, string id, OperatorStore store)
    {
        if (!RouteIds.TryParse(id, "organization", out Guid organizationId, out OpenAIError error))
            return error.ToResult();
        OperatorOrganizationView? view = await store.GetAsync(organizationId, context.RequestAborted);
        return view is null ? AdminErrors.NotFound("organization", id).ToResult() : AdminJson.Ok(view);
    }

    private static async Task<IResult> PatchAsync(HttpContext context, string id, OperatorStore store, Propagation propagation, IOptions<AdminOptions> options)
    {
        if (!RouteIds.TryParse(id, "organization", out Guid organizationId, out OpenAIError error))
            return error.ToResult();
        (JsonInput? input, OpenAIError inputError) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return inputError.ToResult();
        using (input)
        {
            if (!input.OnlyKnown(out error, "plan", "rpm", "tpm", "fee_basis_points")
                || !input.OptionalString("plan", 32, out string? planName, out error)
                || !input.OptionalPositiveLong("rpm", out long? rpm, out error)
                || !input.OptionalPositiveLong("tpm", out long? tpm, out error)
                || !input.OptionalInt("fee_basis_points", 0, 10_000, out int? fee, out error))
                return error.ToResult();
            if (input.IsEmpty)
                return OpenAIError.BadRequest("Send at least one of plan, rpm, tpm, fee_basis_points (null clears rpm, tpm and fee_basis_points).", code: "missing_required_parameter").ToResult();
            if (planName is not null && Plan.Find(planName) is null)
                return PlanError(planName).ToResult();
            var change = new OperatorChange(planName, input.Has("rpm"), rpm, input.Has("tpm"), tpm, input.Has("fee_basis_points"), fee);
            OperatorOrganizationView? view = await store.PatchAsync(organizationId, change, AdminCaller.Of(context), context.RequestAborted);
            if (view is null)
                return AdminErrors.NotFound("organization", id).ToResult();
            await propagation.OrganizationAsync(organizationId, CancellationToken.None);
            return AdminJson.Ok(view);
        }
    }

    private static async Task<IResult> GrantAsync(HttpContext context, string id, CreditStore credits, Propagation propagation, IOptions<AdminOptions> options)
    {
        if (!RouteIds.TryParse(id, "organization", out Guid organizationId, out OpenAIError error))
            return error.ToResult();
        (JsonInput? input, OpenAIError inputError) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return inputError.ToResult();
        using (input)
        {
            if (!input.OnlyKnown(out error, "amount", "reason")
                || !input.RequiredUsd("amount", allowZero: false, out long amount, out error)
                || !input.OptionalString("reason", 500, out string? reason, out error))
                return error.ToResult();
            if (!await credits.GrantAsync(organizationId, amount, reason, AdminCaller.Of(context), context.RequestAborted))
                return AdminErrors.NotFound("organization", id).ToResult();
            await propagation.OrganizationAsync(organizationId, CancellationToken.None);
            return CreditsApi.Result(await propagation.CreditsAsync(organizationId, context.RequestAborted));
        }
    }
}
