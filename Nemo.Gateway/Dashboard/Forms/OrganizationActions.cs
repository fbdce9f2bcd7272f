using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Access;
using Nemo.Gateway.Admin;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Invitations;
using Nemo.Gateway.Admin.Keys;
using Nemo.Gateway.Admin.Members;
using Nemo.Gateway.Admin.Organizations;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Admin.Teams;
using Nemo.Gateway.Admin.Usage;
using Nemo.Gateway.Dashboard.Accounts;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Keys;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Dashboard.Forms;

/// <summary>
/// The console's organization forms, under <c>/o/{org}/…</c>. Each one carries the role policy of the
/// matching admin route, calls the same store with the same <see cref="AdminCaller"/> (so the stores'
/// rules, row-level security and audit with actor and IP hold as for the API), refreshes the grains the
/// same way, and redirects back to its page with a message. Another organization's id is a 404.
/// </summary>
internal static class OrganizationActions
{
    public static IEndpointRouteBuilder MapNemoOrganizationActions(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder org = app.MapGroup("/o/{org:guid}").RequireAuthorization(AccessPolicies.ConsoleViewer).AddEndpointFilter(async (context, next) =>
        {
            HttpContext http = context.HttpContext;
            if (!Guid.TryParse(http.Request.RouteValues["org"]?.ToString(), out Guid id) || id != AdminCaller.Of(http).OrganizationId)
                return Results.NotFound();
            return await next(context);
        });
        org.MapPost("/team/invite", InviteAsync).RequireAuthorization(AccessPolicies.ConsoleAdmin);
        org.MapPost("/team/invite-csv", InviteCsvAsync).RequireAuthorization(AccessPolicies.ConsoleAdmin);
        org.MapPost("/team/{user:guid}/role", ChangeMemberAsync).RequireAuthorization(AccessPolicies.ConsoleAdmin);
        org.MapPost("/team/{user:guid}/remove", RemoveMemberAsync).RequireAuthorization(AccessPolicies.ConsoleAdmin);
        org.MapPost("/invitations/{id:guid}/revoke", RevokeInvitationAsync).RequireAuthorization(AccessPolicies.ConsoleAdmin);
        org.MapPost("/keys/create", CreateKeyAsync).RequireAuthorization(AccessPolicies.ConsoleMember);
        org.MapPost("/keys/{id:guid}/revoke", RevokeKeyAsync).RequireAuthorization(AccessPolicies.ConsoleMember);
        org.MapPost("/keys/{id:guid}/rotate", RotateKeyAsync).RequireAuthorization(AccessPolicies.ConsoleMember);
        org.MapPost("/keys/{id:guid}/models", KeyModelsAsync).RequireAuthorization(AccessPolicies.ConsoleMember);
        org.MapPost("/teams/create", CreateTeamAsync).RequireAuthorization(AccessPolicies.ConsoleAdmin);
        org.MapPost("/teams/{id:guid}/update", UpdateTeamAsync).RequireAuthorization(AccessPolicies.ConsoleAdmin);
        org.MapPost("/settings/general", GeneralAsync).RequireAuthorization(AccessPolicies.ConsoleAdmin);
        org.MapPost("/settings/data", DataPoliciesAsync).RequireAuthorization(AccessPolicies.ConsoleAdmin);
        org.MapPost("/settings/delete", DeleteAsync).RequireAuthorization(AccessPolicies.ConsoleOwner);
        org.MapGet("/usage.csv", ExportAsync).RequireAuthorization(AccessPolicies.ConsoleAdmin);
        org.MapNemoMoneyActions();
        org.MapNemoLogoActions();
        return app;
    }

    private static string Page(Guid org, string page) => $"/o/{org}/{page}";

    private static IResult Done(HttpContext context, string path, string message, string? secret = null)
    {
        Flash.Set(context, new Flash("ok", message, secret));
        return Results.Redirect(path);
    }

    private static IResult Failed(HttpContext context, string path, string message) => AccountActions.Back(context, path, message);

    private static async Task<IResult> InviteAsync(HttpContext context, Guid org, IFormCollection form, InvitationStore store)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string back = Page(org, "team");
        var input = new FormInput(form);
        string email = input.Text("email", "Email", Emails.MaxLength);
        string roleText = input.Text("role", "Role", 16);
        Guid? team = input.Id("team_id", "Team");
        if (!input.Ok)
            return Failed(context, back, input.Error!);
        if (!Emails.LooksValid(email))
            return Failed(context, back, $"'{email}' is not a valid email address.");
        if (!MembersApi.TryParseRole(roleText, out MemberRole role))
            return Failed(context, back, "Choose a role: owner, admin, member or viewer.");
        Outcome<List<InvitationView>> outcome = await store.CreateAsync(caller, [new InvitationRequest(email, role, team)], context.RequestAborted);
        return outcome.Ok ? Done(context, back, $"Invitation sent to {email}.") : Failed(context, back, outcome.Error.Message);
    }

    private static async Task<IResult> InviteCsvAsync(HttpContext context, Guid org, IFormCollection form, InvitationStore store, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string back = Page(org, "team");
        string text = form["csv"].ToString();
        if (form.Files.GetFile("csv_file") is { Length: > 0 } file)
        {
            if (file.Length > options.Value.MaxBodyBytes)
                return Failed(context, back, $"The CSV file is larger than {options.Value.MaxBodyBytes} bytes.");
            using var reader = new StreamReader(file.OpenReadStream(), new System.Text.UTF8Encoding(false, true));
            try
            {
                text = await reader.ReadToEndAsync(context.RequestAborted);
            }
            catch (System.Text.DecoderFallbackException)
            {
                return Failed(context, back, "The CSV file is not valid UTF-8.");
            }
        }
        if (text.Trim().Length == 0)
            return Failed(context, back, "Paste or upload a CSV with a header row email,role,team_id.");
        if (InvitationCsv.InvalidText(text) is { } invalid)
            return Failed(context, back, $"The CSV's {invalid.Column} contains {invalid.Problem}.");
        (List<InvitationRequest> rows, List<string> errors) = InvitationCsv.Parse(text, options.Value.MaxBulkInvitations);
        if (errors.Count > 0)
            return Failed(context, back, $"The CSV has {errors.Count} problem{(errors.Count == 1 ? "" : "s")}; nothing was sent. " + string.Join(" ", errors.Take(5)));
        Outcome<List<InvitationView>> outcome = await store.CreateAsync(caller, rows, context.RequestAborted);
        return outcome.Ok ? Done(context, back, $"{outcome.Value!.Count} invitation{(outcome.Value.Count == 1 ? "" : "s")} sent.") : Failed(context, back, outcome.Error.Message);
    }

    private static async Task<IResult> ChangeMemberAsync(HttpContext context, Guid org, Guid user, IFormCollection form, MemberStore store, Propagation propagation)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string back = Page(org, "team");
        var input = new FormInput(form);
        string roleText = input.Text("role", "Role", 16, required: false);
        Guid? team = input.Id("team_id", "Team");
        if (!input.Ok)
            return Failed(context, back, input.Error!);
        MemberRole? role = null;
        if (roleText.Length > 0)
        {
            if (!MembersApi.TryParseRole(roleText, out MemberRole parsed))
                return Failed(context, back, "Choose a role: owner, admin, member or viewer.");
            role = parsed;
        }
        Outcome<(MemberRow Member, ChangedKeys Keys)> outcome = await store.ChangeAsync(caller, user, new MemberChange(role, team), context.RequestAborted);
        if (!outcome.Ok)
            return Failed(context, back, outcome.Error.Message);
        await propagation.OrganizationKeysAsync(caller.OrganizationId, outcome.Value.Keys.Ids, CancellationToken.None);
        return Done(context, back, $"{outcome.Value.Member.Email} is now {outcome.Value.Member.Role}.");
    }

    private static async Task<IResult> RemoveMemberAsync(HttpContext context, Guid org, Guid user, IFormCollection form, MemberStore store, Propagation propagation)
    {
        _ = form;
        AdminCaller caller = AdminCaller.Of(context);
        string back = Page(org, "team");
        Outcome<ChangedKeys> outcome = await store.RemoveAsync(caller, user, leaving: false, context.RequestAborted);
        if (!outcome.Ok)
            return Failed(context, back, outcome.Error.Message);
        await propagation.OrganizationKeysAsync(caller.OrganizationId, outcome.Value!.Ids, CancellationToken.None);
        return Done(context, back, $"Member removed; {outcome.Value.Ids.Count} of their keys revoked.");
    }

    private static async Task<IResult> RevokeInvitationAsync(HttpContext context, Guid org, Guid id, IFormCollection form, InvitationStore store)
    {
        _ = form;
        Outcome<InvitationView> outcome = await store.RevokeAsync(AdminCaller.Of(context), id, context.RequestAborted);
        return outcome.Ok ? Done(context, Page(org, "team"), $"Invitation to {outcome.Value!.Email} revoked.") : Failed(context, Page(org, "team"), outcome.Error.Message);
    }

    private static async Task<IResult> CreateKeyAsync(HttpContext context, Guid org, IFormCollection form, KeyStore store, Propagation propagation, TimeProvider time)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string back = Page(org, "keys");
        var input = new FormInput(form);
        string name = input.Text("name", "Name", 200);
        bool organizationScope = input.Text("scope", "Scope", 16, required: false) == KeyRows.OrganizationScope;
        long? days = input.Number("expires_days", "Expires in (days)", 1, 3650);
        long? rpm = input.Number("rpm", "Requests per minute", 1, 1_000_000_000);
        long? tpm = input.Number("tpm", "Tokens per minute", 1, 1_000_000_000_000);
        if (!input.Ok)
            return Failed(context, back, input.Error!);
        DateTimeOffset? expires = days is { } d ? time.GetUtcNow().AddDays(d) : null;
        Outcome<(KeyView View, IssuedKey Issued)> outcome = await store.CreateAsync(caller, new NewKey(name, null, organizationScope, expires, rpm, tpm), context.RequestAborted);
        if (!outcome.Ok)
            return Failed(context, back, outcome.Error.Message);
        await propagation.KeyAsync(caller.OrganizationId, outcome.Value.View.Id, [outcome.Value.Issued.Hash], CancellationToken.None);
        return Done(context, back, $"Key \"{outcome.Value.View.Name}\" created. Copy its secret now: it is shown only once.", outcome.Value.Issued.Secret);
    }

    private static async Task<IResult> RevokeKeyAsync(HttpContext context, Guid org, Guid id, IFormCollection form, KeyStore store, Propagation propagation)
    {
        _ = form;
        AdminCaller caller = AdminCaller.Of(context);
        Outcome<(KeyView View, KeyHash[] Hashes)> outcome = await store.RevokeAsync(caller, id, context.RequestAborted);
        if (!outcome.Ok)
            return Failed(context, Page(org, "keys"), outcome.Error.Message);
        await propagation.KeyAsync(caller.OrganizationId, id, outcome.Value.Hashes, CancellationToken.None);
        return Done(context, Page(org, "keys"), $"Key \"{outcome.Value.View.Name}\" revoked.");
    }

    private static async Task<IResult> RotateKeyAsync(HttpContext context, Guid org, Guid id, IFormCollection form, KeyStore store, Propagation propagation)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string back = Page(org, "keys");
        var input = new FormInput(form);
        long grace = input.Number("grace_hours", "Grace period (hours)", 0, 168) ?? 0;
        if (!input.Ok)
            return Failed(context, back, input.Error!);
        Outcome<(KeyView View, IssuedKey Issued, KeyHash[] Hashes)> outcome = await store.RotateAsync(caller, id, TimeSpan.FromHours(grace), context.RequestAborted);
        if (!outcome.Ok)
            return Failed(context, back, outcome.Error.Message);
        await propagation.KeyAsync(caller.OrganizationId, id, outcome.Value.Hashes, CancellationToken.None);
        return Done(context, back, $"Key \"{outcome.Value.View.Name}\" rotated{(grace > 0 ? $"; the old secret works for {grace} more hour(s)" : "")}. Copy the new secret now: it is shown only once.",
            outcome.Value.Issued.Secret);
    }

    /// <summary>The key's model allow-list: model names separated by commas, or empty for every model (within the team's and organization's lists).</summary>
    private static async Task<IResult> KeyModelsAsync(HttpContext context, Guid org, Guid id, IFormCollection form, KeyStore store, Propagation propagation,
        Nemo.Gateway.Providers.ModelCatalog catalog)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string back = Page(org, "keys");
        var input = new FormInput(form);
        string text = input.Text("models", "Models", 4000, required: false);
        if (!input.Ok)
            return Failed(context, back, input.Error!);
        string[] models = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToArray();
        if (models.Length > 100)
            return Failed(context, back, "A key's allow-list can name at most 100 models.");
        if (models.FirstOrDefault(m => !catalog.TryFind(m, out _)) is { } unknown)
            return Failed(context, back, $"'{unknown}' is not a model this gateway serves.");
        Outcome<(KeyView View, KeyHash[] Hashes)> outcome = await store.UpdateAsync(caller, id,
            new KeyChange(null, null, false, null, false, null, false, null, true, models.Length == 0 ? null : models), context.RequestAborted);
        if (!outcome.Ok)
            return Failed(context, back, outcome.Error.Message);
        await propagation.KeyAsync(caller.OrganizationId, id, outcome.Value.Hashes, CancellationToken.None);
        return Done(context, back, models.Length == 0 ? $"Key \"{outcome.Value.View.Name}\" may use every allowed model." : $"Key \"{outcome.Value.View.Name}\" may use {string.Join(", ", models)}.");
    }

    private static async Task<IResult> CreateTeamAsync(HttpContext context, Guid org, IFormCollection form, TeamStore store)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string back = Page(org, "teams");
        var input = new FormInput(form);
        string name = input.Text("name", "Team name", 200);
        long? rpm = input.Number("rpm", "Requests per minute", 1, 1_000_000_000);
        long? tpm = input.Number("tpm", "Tokens per minute", 1, 1_000_000_000_000);
        if (!input.Ok)
            return Failed(context, back, input.Error!);
        Outcome<TeamView> outcome = await store.CreateAsync(caller, name, rpm, tpm, context.RequestAborted);
        return outcome.Ok ? Done(context, back, $"Team \"{outcome.Value!.Name}\" created.") : Failed(context, back, outcome.Error.Message);
    }

    private static async Task<IResult> UpdateTeamAsync(HttpContext context, Guid org, Guid id, IFormCollection form, TeamStore store, Propagation propagation)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string back = Page(org, "teams");
        var input = new FormInput(form);
        string name = input.Text("name", "Team name", 200);
        string status = input.Text("status", "Status", 16);
        long? rpm = input.Number("rpm", "Requests per minute", 1, 1_000_000_000);
        long? tpm = input.Number("tpm", "Tokens per minute", 1, 1_000_000_000_000);
        if (!input.Ok)
            return Failed(context, back, input.Error!);
        if (status is not ("active" or "disabled"))
            return Failed(context, back, "Status must be active or disabled.");
        Outcome<TeamView> outcome = await store.UpdateAsync(caller, id, new TeamChange(name, status, true, rpm, true, tpm), context.RequestAborted);
        if (!outcome.Ok)
            return Failed(context, back, outcome.Error.Message);
        await propagation.TeamAsync(caller.OrganizationId, id, CancellationToken.None);
        return Done(context, back, $"Team \"{outcome.Value!.Name}\" saved.");
    }

    private static async Task<IResult> GeneralAsync(HttpContext context, Guid org, IFormCollection form, OrganizationStore store, Propagation propagation)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string back = Page(org, "settings");
        var input = new FormInput(form);
        string name = input.Text("name", "Organization name", 200);
        string slug = input.Text("slug", "Slug", 64);
        string timezone = input.Text("timezone", "Time zone", 64);
        if (!input.Ok)
            return Failed(context, back, input.Error!);
        return await UpdateAsync(context, back, store, propagation, caller,
            new SettingsChange(name, slug, null, false, timezone, null, null, null, null, null, false));
    }

    private static async Task<IResult> DataPoliciesAsync(HttpContext context, Guid org, IFormCollection form, OrganizationStore store, Propagation propagation)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string back = Page(org, "settings");
        var input = new FormInput(form);
        long? retention = input.Number("data_retention_days", "Retention (days)", 1, 3650);
        string region = input.Text("region", "Region", 32);
        bool processing = input.Checked("data_processing");
        if (!input.Ok)
            return Failed(context, back, input.Error!);
        return await UpdateAsync(context, back, store, propagation, caller,
            new SettingsChange(null, null, null, false, null, (int?)retention, processing, region, null, null, false));
    }

    private static async Task<IResult> UpdateAsync(HttpContext context, string back, OrganizationStore store, Propagation propagation, AdminCaller caller, SettingsChange change)
    {
        Outcome<OrganizationView> outcome = await store.UpdateAsync(caller, change, context.RequestAborted);
        if (!outcome.Ok)
            return Failed(context, back, outcome.Error.Message);
        await propagation.OrganizationAsync(caller.OrganizationId, CancellationToken.None);
        return Done(context, back, "Settings saved.");
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, Guid org, IFormCollection form, OrganizationStore store, Propagation propagation)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string back = Page(org, "settings");
        var input = new FormInput(form);
        string confirm = input.Text("confirm", "The confirmation", 200);
        if (!input.Ok)
            return Failed(context, back, input.Error!);
        Outcome<bool> outcome = await store.DeleteAsync(caller, confirm, context.RequestAborted);
        if (!outcome.Ok)
            return Failed(context, back, outcome.Error.Message);
        await propagation.DeletedAsync(caller.OrganizationId, CancellationToken.None);
        await context.SignOutAsync(ConsoleAuth.Scheme);
        Flash.Set(context, new Flash("ok", "The organization is deleted. You can sign up again to start a new one."));
        return Results.Redirect("/signin");
    }

    private static async Task ExportAsync(HttpContext context, Guid org, UsageStore store)
    {
        _ = org;
        AdminCaller caller = AdminCaller.Of(context);
        string? groupBy = context.Request.Query["group_by"].ToString() is { Length: > 0 } g ? g : null;
        if (groupBy is not null && UsageGrouping.Expression(groupBy) is null)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        if (!UsageWindow.TryParse(context.Request, out RawWindow raw, out OpenAIError error))
        {
            await error.WriteAsync(context.Response);
            return;
        }
        OpenAIError? failed = await store.ExportAsync(caller.OrganizationId, groupBy, raw, window =>
        {
            context.Response.ContentType = "text/csv; charset=utf-8";
            context.Response.Headers.ContentDisposition =
                $"attachment; filename=\"nemo-usage-{window.From.UtcDateTime:yyyyMMdd}-{window.To.UtcDateTime:yyyyMMdd}{(groupBy is null ? "" : "-by-" + groupBy)}.csv\"";
            return context.Response.Body;
        }, context.RequestAborted);
        if (failed is { } problem)
            await problem.WriteAsync(context.Response);
    }
}
