using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Guardrails;
using Nemo.Gateway.Policies;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Guardrails;

/// <summary>
/// <c>GET, POST /v1/guardrails</c> and <c>GET, PATCH, DELETE /v1/guardrails/{id}</c>: every role reads;
/// owners and admins write ("Configure guardrails + prompts"). Every write is audited and reaches every
/// gateway through the policy cache's notification (this gateway reloads before answering).
/// </summary>
internal static class GuardrailsApi
{
    private const int MaxName = 100;

    private static readonly string[] Fields = ["name", "kind", "action", "applies_to", "config", "enabled", "team_id", "key_id"];

    public static IEndpointRouteBuilder MapNemoGuardrailsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/guardrails", ListAsync).Members(MemberRole.Viewer, "list guardrails");
        app.MapPost("/v1/guardrails", CreateAsync).Members(MemberRole.Admin, "configure guardrails");
        app.MapGet("/v1/guardrails/{id}", GetAsync).Members(MemberRole.Viewer, "read guardrails");
        app.MapPatch("/v1/guardrails/{id}", PatchAsync).Members(MemberRole.Admin, "configure guardrails");
        app.MapDelete("/v1/guardrails/{id}", DeleteAsync).Members(MemberRole.Admin, "configure guardrails");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, GuardrailStore store) =>
        AdminJson.List(await store.ListAsync(AdminCaller.Of(context).OrganizationId, context.RequestAborted));

    private static async Task<IResult> GetAsync(HttpContext context, string id, GuardrailStore store)
    {
        if (!RouteIds.TryParse(id, "guardrail", out Guid guardrailId, out OpenAIError error))
            return error.ToResult();
        GuardrailView? view = await store.GetAsync(AdminCaller.Of(context).OrganizationId, guardrailId, context.RequestAborted);
        return view is null ? AdminErrors.NotFound("guardrail", id).ToResult() : AdminJson.Ok(view);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, GuardrailStore store, PolicyCache cache, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        Outcome<GuardrailView> outcome;
        using (input)
        {
            if (!input.OnlyKnown(out error, Fields))
                return error.ToResult();
            Outcome<GuardrailDraft> draft = Draft(input, null);
            if (!draft.Ok)
                return draft.Error.ToResult();
            outcome = await store.CreateAsync(caller, draft.Value!, context.RequestAborted);
        }
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await cache.ReloadOrganizationAsync(caller.OrganizationId, CancellationToken.None);
        return AdminJson.Created(outcome.Value!);
    }

    private static async Task<IResult> PatchAsync(HttpContext context, string id, GuardrailStore store, PolicyCache cache, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(id, "guardrail", out Guid guardrailId, out OpenAIError error))
            return error.ToResult();
        (JsonInput? input, OpenAIError inputError) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return inputError.ToResult();
        Outcome<GuardrailView> outcome;
        using (input)
        {
            if (!input.OnlyKnown(out error, Fields))
                return error.ToResult();
            if (input.IsEmpty)
                return OpenAIError.BadRequest($"Send at least one of {string.Join(", ", Fields)}.", code: "missing_required_parameter").ToResult();
            outcome = await store.UpdateAsync(caller, guardrailId, current => Draft(input, current), context.RequestAborted);
        }
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await cache.ReloadOrganizationAsync(caller.OrganizationId, CancellationToken.None);
        return AdminJson.Ok(outcome.Value!);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string id, GuardrailStore store, PolicyCache cache)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(id, "guardrail", out Guid guardrailId, out OpenAIError error))
            return error.ToResult();
        Outcome<GuardrailView> outcome = await store.DeleteAsync(caller, guardrailId, context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await cache.ReloadOrganizationAsync(caller.OrganizationId, CancellationToken.None);
        return AdminJson.Ok(new { id = guardrailId, @object = "guardrail", deleted = true });
    }

    /// <summary>
    /// The rule a POST (<paramref name="current"/> null: name, kind, action and config required; applies_to
    /// defaults to input, enabled to true) or a PATCH (absent fields keep their value; team_id and key_id may be
    /// null to widen the scope) describes, checked as a whole so a stored rule always compiles.
    /// </summary>
    private static Outcome<GuardrailDraft> Draft(JsonInput input, GuardrailView? current)
    {
        string? name, kind, action, appliesTo;
        OpenAIError error;
        if (current is null)
        {
            if (!input.RequiredString("name", MaxName, out string required, out error)
                || !input.RequiredString("kind", 32, out string requiredKind, out error)
                || !input.RequiredString("action", 16, out string requiredAction, out error))
                return error;
            (name, kind, action) = (required, requiredKind, requiredAction);
        }
        else
        {
            if (!input.OptionalNonEmptyString("name", MaxName, out name, out error)
                || !input.OptionalNonEmptyString("kind", 32, out kind, out error)
                || !input.OptionalNonEmptyString("action", 16, out action, out error))
                return error;
        }
        if (!input.OptionalNonEmptyString("applies_to", 16, out appliesTo, out error)
            || !input.OptionalBool("enabled", out bool? enabled, out error)
            || !input.OptionalGuid("team_id", out Guid? teamId, out error)
            || !input.OptionalGuid("key_id", out Guid? keyId, out error))
            return error;
        name ??= current!.Name;
        kind ??= current?.Kind;
        action ??= current?.Action;
        appliesTo ??= current?.AppliesTo ?? "input";
        if (!GuardrailConfig.TryParseKind(kind, out GuardrailKind parsedKind))
            return OpenAIError.BadRequest($"kind must be pii, regex, keywords or max_prompt_tokens (got '{kind}').", "kind", "invalid_value");
        if (!GuardrailConfig.TryParseAction(action, out GuardrailAction parsedAction))
            return OpenAIError.BadRequest($"action must be block, redact or flag (got '{action}').", "action", "invalid_value");
        if (!GuardrailConfig.TryParseStage(appliesTo, out GuardrailStage stage))
            return OpenAIError.BadRequest($"applies_to must be input, output or both (got '{appliesTo}').", "applies_to", "invalid_value");
        JsonElement config;
        if (input.TryGetElement("config", out JsonElement given))
            config = given;
        else if (current is not null)
            config = current.Config;
        else
            return OpenAIError.BadRequest("config is required: a JSON object whose fields depend on kind (docs/API.md).", "config", "missing_required_parameter");
        if (!GuardrailConfig.TryCompile(parsedKind, parsedAction, stage, config, out _, out _, out string? problem))
            return OpenAIError.BadRequest($"This guardrail can't be used: {problem}.", "config", "invalid_value");
        return Outcome<GuardrailDraft>.Success(new GuardrailDraft(name, GuardrailConfig.Name(parsedKind), GuardrailConfig.Name(parsedAction), GuardrailConfig.Name(stage),
            config.Clone(), enabled ?? current?.Enabled ?? true,
            input.Has("team_id") ? teamId : current?.TeamId,
            input.Has("key_id") ? keyId : current?.KeyId));
    }
}
