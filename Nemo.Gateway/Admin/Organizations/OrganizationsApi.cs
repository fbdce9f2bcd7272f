using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Members;
using Nemo.Gateway.Admin.Signup;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Providers;
using Nemo.Gateway.Notifications;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Organizations;

/// <summary>
/// <c>/v1/organization</c>: read (all roles), settings (owner, admin), delete and transfer (owner),
/// leave (anyone but the last owner).
/// </summary>
internal static class OrganizationsApi
{
    private static readonly string[] SettingFields =
        ["name", "slug", "logo_url", "timezone", "data_retention_days", "data_processing", "region", "invitation_expiry_days", "webhook_url", "models", "content_logging"];

    public static IEndpointRouteBuilder MapNemoOrganizationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/organization", GetAsync).Members(MemberRole.Viewer, "read the organization");
        app.MapPatch("/v1/organization", PatchAsync).Members(MemberRole.Admin, "change the organization's settings");
        app.MapDelete("/v1/organization", DeleteAsync).Members(MemberRole.Owner, "delete the organization");
        app.MapPost("/v1/organization/transfer", TransferAsync).Members(MemberRole.Owner, "transfer ownership");
        app.MapPost("/v1/organization/leave", LeaveAsync).Members(MemberRole.Viewer, "leave the organization");
        return app;
    }

    private static async Task<IResult> GetAsync(HttpContext context, OrganizationStore store) =>
        AdminJson.Ok(await store.GetAsync(AdminCaller.Of(context), context.RequestAborted));

    private static async Task<IResult> PatchAsync(HttpContext context, OrganizationStore store, WebhookTargets webhooks, Propagation propagation, ModelCatalog catalog,
        IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        SettingsChange change;
        using (input)
        {
            if (!input.OnlyKnown(out error, SettingFields)
                || !input.OptionalNonEmptyString("name", SignupApi.MaxName, out string? name, out error)
                || !input.OptionalNonEmptyString("slug", 63, out string? slug, out error)
                || !input.OptionalString("logo_url", 2048, out string? logo, out error)
                || !input.OptionalNonEmptyString("timezone", 64, out string? timezone, out error)
                || !input.OptionalInt("data_retention_days", 1, 3650, out int? retention, out error)
                || !input.OptionalBool("data_processing", out bool? processing, out error)
                || !input.OptionalBool("content_logging", out bool? contentLogging, out error)
                || !input.OptionalNonEmptyString("region", 32, out string? region, out error)
                || !input.OptionalInt("invitation_expiry_days", 1, 30, out int? invitationDays, out error)
                || !input.OptionalString("webhook_url", 2048, out string? webhook, out error)
                || !input.OptionalModelList("models", m => catalog.TryFind(m, out _), out bool setModels, out string[]? models, out error))
                return error.ToResult();
            if (input.IsEmpty)
                return OpenAIError.BadRequest($"Send at least one of {string.Join(", ", SettingFields)}.", code: "missing_required_parameter").ToResult();
            foreach (string field in new[] { "data_retention_days", "data_processing", "invitation_expiry_days", "content_logging" })
                if (input.IsNull(field))
                    return OpenAIError.BadRequest($"{field} cannot be null; leave it out to keep the current value.", field, "invalid_value").ToResult();
            if (slug is not null && !OrganizationRules.ValidSlug(slug))
                return OrganizationRules.SlugError(slug).ToResult();
            if (logo is { Length: > 0 } && !OrganizationRules.ValidUrl(logo))
                return OrganizationRules.UrlError("logo_url", logo).ToResult();
            if (webhook is { Length: > 0 } && !OrganizationRules.ValidUrl(webhook))
                return OrganizationRules.UrlError("webhook_url", webhook).ToResult();
            if (webhook is { Length: > 0 } && webhooks.UrlProblem(webhook) is { } webhookProblem)
                return OpenAIError.BadRequest(webhookProblem, "webhook_url", "invalid_value").ToResult();
            if (region is not null && !options.Value.Regions.Contains(region, StringComparer.Ordinal))
                return OpenAIError.BadRequest($"region must be one of {string.Join(", ", options.Value.Regions)} (got '{region}').", "region", "invalid_value").ToResult();
            change = new SettingsChange(name, slug, logo is { Length: > 0 } ? logo : null, input.Has("logo_url") && logo is not { Length: > 0 },
                timezone, retention, processing, region, invitationDays,
                webhook is { Length: > 0 } ? webhook : null, input.Has("webhook_url") && webhook is not { Length: > 0 }, setModels, models, contentLogging);
        }
        Outcome<OrganizationView> outcome = await store.UpdateAsync(caller, change, context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        if (change.SetModels || change.ContentLogging is not null)
            await propagation.OrganizationAsync(caller.OrganizationId, CancellationToken.None);
        return AdminJson.Ok(outcome.Value!);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, OrganizationStore store, Propagation propagation, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes, allowEmpty: true);
        if (input is null)
            return error.ToResult();
        string confirm;
        using (input)
        {
            if (!input.OnlyKnown(out error, "confirm"))
                return error.ToResult();
            if (!input.Has("confirm"))
                return OpenAIError.BadRequest("Deleting an organization can't be undone: send {\"confirm\": \"<the organization's slug>\"}.", "confirm", "missing_required_parameter").ToResult();
            if (!input.RequiredString("confirm", 100, out confirm, out error))
                return error.ToResult();
        }
        Outcome<bool> outcome = await store.DeleteAsync(caller, confirm, context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await propagation.DeletedAsync(caller.OrganizationId, CancellationToken.None);
        return AdminJson.Ok(new { id = caller.OrganizationId, deleted = true });
    }

    private static async Task<IResult> TransferAsync(HttpContext context, OrganizationStore store, Propagation propagation, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        Guid target;
        using (input)
        {
            if (!input.OnlyKnown(out error, "user_id") || !input.RequiredGuid("user_id", out target, out error))
                return error.ToResult();
        }
        Outcome<ChangedKeys> outcome = await store.TransferAsync(caller, target, context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await propagation.OrganizationKeysAsync(caller.OrganizationId, outcome.Value!.Ids, CancellationToken.None);
        return AdminJson.Ok(new { organization_id = caller.OrganizationId, owner_user_id = target, previous_owner_user_id = caller.UserId, previous_owner_role = "admin" });
    }

    private static async Task<IResult> LeaveAsync(HttpContext context, MemberStore members, Propagation propagation, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes, allowEmpty: true);
        if (input is null)
            return error.ToResult();
        using (input)
        {
            if (!input.OnlyKnown(out error))
                return error.ToResult();
        }
        Outcome<ChangedKeys> outcome = await members.RemoveAsync(caller, caller.UserId!.Value, leaving: true, context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await propagation.OrganizationKeysAsync(caller.OrganizationId, outcome.Value!.Ids, CancellationToken.None);
        return AdminJson.Ok(new { organization_id = caller.OrganizationId, user_id = caller.UserId, left = true, revoked_keys = outcome.Value.Ids });
    }
}
