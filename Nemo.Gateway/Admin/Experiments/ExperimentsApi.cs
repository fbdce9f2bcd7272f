using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Experiments;
using Nemo.Gateway.Policies;
using Nemo.Gateway.Providers;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Experiments;

/// <summary>
/// A/B tests: <c>GET, POST /v1/experiments</c>, <c>GET, PATCH, DELETE /v1/experiments/{id}</c> (PATCH
/// <c>status</c> running/stopped starts and stops one) and <c>GET /v1/experiments/{id}/results</c>. Every
/// role reads; owners and admins write.
/// </summary>
internal static class ExperimentsApi
{
    private const int MaxName = 100;

    public static IEndpointRouteBuilder MapNemoExperimentsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/experiments", ListAsync).Members(MemberRole.Viewer, "list experiments");
        app.MapPost("/v1/experiments", CreateAsync).Members(MemberRole.Admin, "configure experiments");
        app.MapGet("/v1/experiments/{id}", GetAsync).Members(MemberRole.Viewer, "read experiments");
        app.MapPatch("/v1/experiments/{id}", PatchAsync).Members(MemberRole.Admin, "configure experiments");
        app.MapDelete("/v1/experiments/{id}", DeleteAsync).Members(MemberRole.Admin, "configure experiments");
        app.MapGet("/v1/experiments/{id}/results", ResultsAsync).Members(MemberRole.Viewer, "read experiment results");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, ExperimentStore store) =>
        AdminJson.List(await store.ListAsync(AdminCaller.Of(context).OrganizationId, context.RequestAborted));

    private static async Task<IResult> GetAsync(HttpContext context, string id, ExperimentStore store)
    {
        if (!RouteIds.TryParse(id, "experiment", out Guid experimentId, out OpenAIError error))
            return error.ToResult();
        ExperimentView? view = await store.GetAsync(AdminCaller.Of(context).OrganizationId, experimentId, context.RequestAborted);
        return view is null ? AdminErrors.NotFound("experiment", id).ToResult() : AdminJson.Ok(view);
    }

    private static async Task<IResult> ResultsAsync(HttpContext context, string id, ExperimentStore store)
    {
        if (!RouteIds.TryParse(id, "experiment", out Guid experimentId, out OpenAIError error))
            return error.ToResult();
        Outcome<List<VariantResult>> outcome = await store.ResultsAsync(AdminCaller.Of(context).OrganizationId, experimentId, context.RequestAborted);
        return outcome.Ok ? AdminJson.Ok(new { @object = "experiment.results", experiment_id = experimentId, data = outcome.Value }) : outcome.Error.ToResult();
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ExperimentStore store, PolicyCache cache, ModelCatalog catalog, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        Outcome<ExperimentView> outcome;
        using (input)
        {
            if (!input.OnlyKnown(out error, "name", "variants", "match", "sticky_by", "status")
                || !input.RequiredString("name", MaxName, out string name, out error)
                || !input.OptionalNonEmptyString("status", 16, out string? status, out error)
                || !input.OptionalNonEmptyString("sticky_by", 16, out string? stickyBy, out error)
                || !TryVariants(input, catalog, required: true, out ExperimentVariant[]? variants, out error)
                || !TryMatch(input, catalog, out ExperimentMatch? match, out error))
                return error.ToResult();
            if (status is not (null or "running" or "stopped"))
                return OpenAIError.BadRequest($"status must be running or stopped (got '{status}').", "status", "invalid_value").ToResult();
            if (stickyBy is not (null or "customer"))
                return OpenAIError.BadRequest($"sticky_by must be customer (got '{stickyBy}').", "sticky_by", "invalid_value").ToResult();
            outcome = await store.CreateAsync(caller, name, status ?? "stopped", match!, variants!, context.RequestAborted);
        }
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await cache.ReloadOrganizationAsync(caller.OrganizationId, CancellationToken.None);
        return AdminJson.Created(outcome.Value!);
    }

    private static async Task<IResult> PatchAsync(HttpContext context, string id, ExperimentStore store, PolicyCache cache, ModelCatalog catalog, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(id, "experiment", out Guid experimentId, out OpenAIError error))
            return error.ToResult();
        (JsonInput? input, OpenAIError inputError) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return inputError.ToResult();
        Outcome<ExperimentView> outcome;
        using (input)
        {
            if (!input.OnlyKnown(out error, "name", "status", "variants")
                || !input.OptionalNonEmptyString("name", MaxName, out string? name, out error)
                || !input.OptionalNonEmptyString("status", 16, out string? status, out error)
                || !TryVariants(input, catalog, required: false, out ExperimentVariant[]? variants, out error))
                return error.ToResult();
            if (input.IsEmpty)
                return OpenAIError.BadRequest("Send at least one of name, status (running or stopped), variants; match can't change (create another experiment).",
                    code: "missing_required_parameter").ToResult();
            if (status is not (null or "running" or "stopped"))
                return OpenAIError.BadRequest($"status must be running or stopped (got '{status}').", "status", "invalid_value").ToResult();
            outcome = await store.UpdateAsync(caller, experimentId, name, status, variants, context.RequestAborted);
        }
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await cache.ReloadOrganizationAsync(caller.OrganizationId, CancellationToken.None);
        return AdminJson.Ok(outcome.Value!);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string id, ExperimentStore store, PolicyCache cache)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(id, "experiment", out Guid experimentId, out OpenAIError error))
            return error.ToResult();
        Outcome<ExperimentView> outcome = await store.DeleteAsync(caller, experimentId, context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await cache.ReloadOrganizationAsync(caller.OrganizationId, CancellationToken.None);
        return AdminJson.Ok(new { id = experimentId, @object = "experiment", deleted = true });
    }

    private static bool TryVariants(JsonInput input, ModelCatalog catalog, bool required, out ExperimentVariant[]? variants, out OpenAIError error)
    {
        variants = null;
        error = default;
        if (!input.TryGetElement("variants", out JsonElement element))
        {
            if (required)
                error = OpenAIError.BadRequest("variants is required: [{name, weight, model?, prompt_version?}, …] (at least two).", "variants", "missing_required_parameter");
            return !required;
        }
        if (!ExperimentVariants.TryParse(element, out ExperimentVariant[] parsed, out string? problem))
        {
            error = OpenAIError.BadRequest($"{problem}.", "variants", "invalid_value");
            return false;
        }
        if (parsed.FirstOrDefault(v => v.Model is { } m && !catalog.TryFind(m, out _)) is { } unknown)
        {
            error = OpenAIError.BadRequest($"Variant '{unknown.Name}' names model '{unknown.Model}', which is not in the catalog (GET /v1/models).", "variants", "model_not_found");
            return false;
        }
        variants = parsed;
        return true;
    }

    private static bool TryMatch(JsonInput input, ModelCatalog catalog, out ExperimentMatch? match, out OpenAIError error)
    {
        match = null;
        if (!input.OptionalObject("match", out JsonInput? child, out error))
            return false;
        if (child is null)
        {
            error = OpenAIError.BadRequest("match is required: {\"model\": …} or {\"prompt_id\": …}.", "match", "missing_required_parameter");
            return false;
        }
        using (child)
        {
            if (!child.OnlyKnown(out error, "model", "prompt_id")
                || !child.OptionalNonEmptyString("model", 256, out string? model, out error)
                || !child.OptionalGuid("prompt_id", out Guid? promptId, out error))
            {
                error = error with { Param = "match." + error.Param };
                return false;
            }
            if ((model is null) == (promptId is null))
            {
                error = OpenAIError.BadRequest("match must name exactly one of model or prompt_id.", "match", "invalid_value");
                return false;
            }
            if (model is not null && !catalog.TryFind(model, out _))
            {
                error = OpenAIError.BadRequest($"match.model '{model}' is not in the catalog (GET /v1/models).", "match.model", "model_not_found");
                return false;
            }
            match = new ExperimentMatch(model, promptId);
            return true;
        }
    }
}
