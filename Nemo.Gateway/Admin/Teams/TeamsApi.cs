using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Members;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Providers;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Teams;

/// <summary><c>GET, POST /v1/teams</c> (read: all; write: owner, admin) and <c>PATCH, DELETE /v1/teams/{id}</c> (owner, admin).</summary>
internal static class TeamsApi
{
    private const int MaxName = 100;

    public static IEndpointRouteBuilder MapNemoTeamsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/teams", ListAsync).Members(MemberRole.Viewer, "list teams");
        app.MapPost("/v1/teams", CreateAsync).Members(MemberRole.Admin, "create teams");
        app.MapPatch("/v1/teams/{id}", PatchAsync).Members(MemberRole.Admin, "change teams");
        app.MapDelete("/v1/teams/{id}", DeleteAsync).Members(MemberRole.Admin, "delete teams");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, TeamStore store) =>
        AdminJson.List(await store.ListAsync(AdminCaller.Of(context).OrganizationId, context.RequestAborted));

    private static async Task<IResult> CreateAsync(HttpContext context, TeamStore store, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        using (input)
        {
            if (!input.OnlyKnown(out error, "name", "rpm", "tpm")
                || !input.RequiredString("name", MaxName, out string name, out error)
                || !input.OptionalPositiveLong("rpm", out long? rpm, out error)
                || !input.OptionalPositiveLong("tpm", out long? tpm, out error))
                return error.ToResult();
            Outcome<TeamView> outcome = await store.CreateAsync(caller, name, rpm, tpm, context.RequestAborted);
            return outcome.Ok ? AdminJson.Created(outcome.Value!) : outcome.Error.ToResult();
        }
    }

    private static async Task<IResult> PatchAsync(HttpContext context, string id, TeamStore store, Propagation propagation, ModelCatalog catalog, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(id, "team", out Guid teamId, out OpenAIError error))
            return error.ToResult();
        (JsonInput? input, OpenAIError inputError) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return inputError.ToResult();
        TeamChange change;
        using (input)
        {
            if (!input.OnlyKnown(out error, "name", "status", "rpm", "tpm", "models")
                || !input.OptionalNonEmptyString("name", MaxName, out string? name, out error)
                || !input.OptionalNonEmptyString("status", 16, out string? status, out error)
                || !input.OptionalPositiveLong("rpm", out long? rpm, out error)
                || !input.OptionalPositiveLong("tpm", out long? tpm, out error)
                || !input.OptionalModelList("models", m => catalog.TryFind(m, out _), out bool setModels, out string[]? models, out error))
                return error.ToResult();
            if (input.IsEmpty)
                return OpenAIError.BadRequest("Send at least one of name, status, rpm, tpm, models (null clears rpm, tpm and models).", code: "missing_required_parameter").ToResult();
            if (status is not (null or "active" or "disabled"))
                return OpenAIError.BadRequest($"status must be active or disabled (got '{status}').", "status", "invalid_value").ToResult();
            change = new TeamChange(name, status, input.Has("rpm"), rpm, input.Has("tpm"), tpm, setModels, models);
        }
        Outcome<TeamView> outcome = await store.UpdateAsync(caller, teamId, change, context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await propagation.TeamAsync(caller.OrganizationId, teamId, CancellationToken.None);
        return AdminJson.Ok(outcome.Value!);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string id, TeamStore store, Propagation propagation)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(id, "team", out Guid teamId, out OpenAIError error))
            return error.ToResult();
        Outcome<ChangedKeys> outcome = await store.DeleteAsync(caller, teamId, context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await propagation.OrganizationKeysAsync(caller.OrganizationId, outcome.Value!.Ids, CancellationToken.None);
        await propagation.TeamAsync(caller.OrganizationId, teamId, CancellationToken.None);
        await propagation.BudgetAsync(caller.OrganizationId, new BudgetScope(BudgetScopeKind.Team, teamId.ToString()), CancellationToken.None);
        return AdminJson.Ok(new { id = teamId, deleted = true, moved_keys = outcome.Value.Ids });
    }
}
