using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Policies;
using Nemo.Gateway.Prompts;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Prompts;

/// <summary>
/// Prompt templates: <c>GET, POST /v1/prompts</c>, <c>GET, PATCH, DELETE /v1/prompts/{id}</c>,
/// <c>POST /v1/prompts/{id}/versions</c> and <c>PUT /v1/prompts/{id}/labels/{label}</c>. Every role reads;
/// owners and admins write. Versions are immutable (a change is a new version); PATCH renames.
/// </summary>
internal static class PromptsApi
{
    private const int MaxName = 100;

    public static IEndpointRouteBuilder MapNemoPromptsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/prompts", ListAsync).Members(MemberRole.Viewer, "list prompt templates");
        app.MapPost("/v1/prompts", CreateAsync).Members(MemberRole.Admin, "configure prompt templates");
        app.MapGet("/v1/prompts/{id}", GetAsync).Members(MemberRole.Viewer, "read prompt templates");
        app.MapPatch("/v1/prompts/{id}", PatchAsync).Members(MemberRole.Admin, "configure prompt templates");
        app.MapDelete("/v1/prompts/{id}", DeleteAsync).Members(MemberRole.Admin, "configure prompt templates");
        app.MapPost("/v1/prompts/{id}/versions", AddVersionAsync).Members(MemberRole.Admin, "configure prompt templates");
        app.MapPut("/v1/prompts/{id}/labels/{label}", SetLabelAsync).Members(MemberRole.Admin, "configure prompt templates");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, PromptStore store) =>
        AdminJson.List(await store.ListAsync(AdminCaller.Of(context).OrganizationId, context.RequestAborted));

    private static async Task<IResult> GetAsync(HttpContext context, string id, PromptStore store)
    {
        if (!RouteIds.TryParse(id, "prompt", out Guid promptId, out OpenAIError error))
            return error.ToResult();
        PromptView? view = await store.GetAsync(AdminCaller.Of(context).OrganizationId, promptId, context.RequestAborted);
        return view is null ? AdminErrors.NotFound("prompt", id).ToResult() : AdminJson.Ok(view);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, PromptStore store, PolicyCache cache, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        Outcome<PromptView> outcome;
        using (input)
        {
            if (!input.OnlyKnown(out error, "name", "template", "variables") || !input.RequiredString("name", MaxName, out string name, out error)
                || !TryTemplate(input, out JsonElement template, out string[] variables, out error))
                return error.ToResult();
            outcome = await store.CreateAsync(caller, name, template, variables, context.RequestAborted);
        }
        return await AnswerAsync(outcome, cache, caller, created: true);
    }

    private static async Task<IResult> AddVersionAsync(HttpContext context, string id, PromptStore store, PolicyCache cache, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(id, "prompt", out Guid promptId, out OpenAIError error))
            return error.ToResult();
        (JsonInput? input, OpenAIError inputError) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return inputError.ToResult();
        Outcome<PromptView> outcome;
        using (input)
        {
            if (!input.OnlyKnown(out error, "template", "variables") || !TryTemplate(input, out JsonElement template, out string[] variables, out error))
                return error.ToResult();
            outcome = await store.AddVersionAsync(caller, promptId, template, variables, context.RequestAborted);
        }
        return await AnswerAsync(outcome, cache, caller, created: true);
    }

    private static async Task<IResult> PatchAsync(HttpContext context, string id, PromptStore store, PolicyCache cache, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(id, "prompt", out Guid promptId, out OpenAIError error))
            return error.ToResult();
        (JsonInput? input, OpenAIError inputError) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return inputError.ToResult();
        string name;
        using (input)
        {
            if (!input.OnlyKnown(out error, "name") || !input.RequiredString("name", MaxName, out name, out error))
                return OpenAIError.BadRequest(
                    $"{error.Message} Versions are immutable: POST /v1/prompts/{{id}}/versions adds one, PUT /v1/prompts/{{id}}/labels/{{label}} moves a label.",
                    error.Param, error.Code ?? "invalid_request").ToResult();
        }
        return await AnswerAsync(await store.RenameAsync(caller, promptId, name, context.RequestAborted), cache, caller, created: false);
    }

    private static async Task<IResult> SetLabelAsync(HttpContext context, string id, string label, PromptStore store, PolicyCache cache, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(id, "prompt", out Guid promptId, out OpenAIError error))
            return error.ToResult();
        if (!IsLabel(label))
            return OpenAIError.BadRequest("A label is 1 to 64 letters, digits, '_', '.' or '-', starting with a letter, and not a number (e.g. production).", "label", "invalid_value").ToResult();
        (JsonInput? input, OpenAIError inputError) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return inputError.ToResult();
        int version;
        using (input)
        {
            if (!input.OnlyKnown(out error, "version") || !input.OptionalInt("version", 1, int.MaxValue, out int? given, out error))
                return error.ToResult();
            if (given is null)
                return OpenAIError.BadRequest("version is required: the version number the label should name.", "version", "missing_required_parameter").ToResult();
            version = given.Value;
        }
        return await AnswerAsync(await store.SetLabelAsync(caller, promptId, label, version, context.RequestAborted), cache, caller, created: false);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string id, PromptStore store, PolicyCache cache)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(id, "prompt", out Guid promptId, out OpenAIError error))
            return error.ToResult();
        Outcome<PromptView> outcome = await store.DeleteAsync(caller, promptId, context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await cache.ReloadOrganizationAsync(caller.OrganizationId, CancellationToken.None);
        return AdminJson.Ok(new { id = promptId, @object = "prompt", deleted = true });
    }

    private static async Task<IResult> AnswerAsync(Outcome<PromptView> outcome, PolicyCache cache, AdminCaller caller, bool created)
    {
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await cache.ReloadOrganizationAsync(caller.OrganizationId, CancellationToken.None);
        return created ? AdminJson.Created(outcome.Value!) : AdminJson.Ok(outcome.Value!);
    }

    private static bool IsLabel(string label) =>
        label.Length is > 0 and <= 64 && char.IsAsciiLetter(label[0]) && label.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    /// <summary>The template (string or messages) and its variables; a declared <c>variables</c> list must name exactly the placeholders.</summary>
    private static bool TryTemplate(JsonInput input, out JsonElement template, out string[] variables, out OpenAIError error)
    {
        variables = [];
        error = default;
        if (!input.TryGetElement("template", out template))
        {
            error = OpenAIError.BadRequest("template is required: a string (a system message) or an array of {role, content} messages, with {{name}} placeholders.",
                "template", "missing_required_parameter");
            return false;
        }
        PromptTemplate? parsed = PromptTemplate.TryParse(template, out string? problem);
        if (parsed is null)
        {
            error = OpenAIError.BadRequest($"This template can't be used: {problem}.", "template", "invalid_value");
            return false;
        }
        variables = parsed.Variables;
        if (input.TryGetElement("variables", out JsonElement declared))
        {
            if (declared.ValueKind != JsonValueKind.Array || declared.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
            {
                error = OpenAIError.BadRequest("variables must be an array of variable names.", "variables", "invalid_type");
                return false;
            }
            string[] names = [.. declared.EnumerateArray().Select(v => v.GetString()!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            if (!names.SequenceEqual(variables, StringComparer.Ordinal))
            {
                error = OpenAIError.BadRequest(
                    $"variables ({string.Join(", ", names)}) must name exactly the template's placeholders ({(variables.Length == 0 ? "none" : string.Join(", ", variables))}).",
                    "variables", "invalid_value");
                return false;
            }
        }
        template = template.Clone();
        return true;
    }
}
