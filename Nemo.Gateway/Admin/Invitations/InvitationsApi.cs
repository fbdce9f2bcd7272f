using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Access;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Members;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Proxy;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Invitations;

/// <summary>
/// <c>/v1/invitations</c>: create, bulk-create from CSV, list pending and revoke (owner, admin); accept
/// and decline (the holder of the token, no key needed).
/// </summary>
internal static class InvitationsApi
{
    public static IEndpointRouteBuilder MapNemoInvitationsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/invitations", CreateAsync).Members(MemberRole.Admin, "invite members");
        app.MapPost("/v1/invitations/bulk", BulkAsync).Members(MemberRole.Admin, "invite members");
        app.MapGet("/v1/invitations", ListAsync).Members(MemberRole.Admin, "see invitations");
        app.MapDelete("/v1/invitations/{id}", RevokeAsync).Members(MemberRole.Admin, "revoke invitations");
        app.MapPost("/v1/invitations/accept", AcceptAsync).Anyone();
        app.MapPost("/v1/invitations/decline", DeclineAsync).Anyone();
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, InvitationStore store, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        InvitationRequest request;
        using (input)
        {
            if (!input.OnlyKnown(out error, "email", "role", "team_id")
                || !input.RequiredString("email", Emails.MaxLength, out string email, out error)
                || !input.OptionalNonEmptyString("role", 16, out string? roleText, out error)
                || !input.OptionalGuid("team_id", out Guid? teamId, out error))
                return error.ToResult();
            if (!Emails.LooksValid(email))
                return OpenAIError.BadRequest($"email '{email}' is not a valid email address.", "email", "invalid_value").ToResult();
            MemberRole role = MemberRole.Member;
            if (roleText is not null && !MembersApi.TryParseRole(roleText, out role))
                return MembersApi.RoleError(roleText).ToResult();
            request = new InvitationRequest(email, role, teamId);
        }
        Outcome<List<InvitationView>> outcome = await store.CreateAsync(caller, [request], context.RequestAborted);
        return outcome.Ok ? AdminJson.Created(outcome.Value![0]) : outcome.Error.ToResult();
    }

    private static async Task<IResult> BulkAsync(HttpContext context, InvitationStore store, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string? contentType = context.Request.ContentType;
        if (contentType is null || !contentType.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase))
            return AdminErrors.Unsupported($"Send the invitations as CSV with Content-Type: text/csv (got '{contentType}'): a header row email,role,team_id and one row per invitation.").ToResult();
        (byte[]? buffer, int length, OpenAIError error) = await RequestBody.ReadAsync(context.Request, options.Value.MaxBodyBytes, context.RequestAborted);
        if (buffer is null)
            return (error.Status == StatusCodes.Status413PayloadTooLarge ? AdminErrors.TooLarge(options.Value.MaxBodyBytes) : error).ToResult();
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(buffer, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return OpenAIError.BadRequest("The CSV is not valid UTF-8.", code: "invalid_csv").ToResult();
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        if (InvitationCsv.InvalidText(text) is { } invalid)
            return ValidText.Error(invalid.Column, invalid.Problem).ToResult();
        (List<InvitationRequest> rows, List<string> errors) = InvitationCsv.Parse(text, options.Value.MaxBulkInvitations);
        if (errors.Count > 0)
            return OpenAIError.BadRequest(
                $"The CSV has {errors.Count} problem{(errors.Count == 1 ? "" : "s")}; nothing was sent. " + string.Join(" ", errors.Take(20)) + (errors.Count > 20 ? " …" : ""),
                code: "invalid_csv").ToResult();
        Outcome<List<InvitationView>> outcome = await store.CreateAsync(caller, rows, context.RequestAborted);
        return outcome.Ok ? AdminJson.Created(new { @object = "list", data = outcome.Value }) : outcome.Error.ToResult();
    }

    private static async Task<IResult> ListAsync(HttpContext context, InvitationStore store) =>
        AdminJson.List(await store.ListPendingAsync(AdminCaller.Of(context).OrganizationId, context.RequestAborted));

    private static async Task<IResult> RevokeAsync(HttpContext context, string id, InvitationStore store)
    {
        if (!RouteIds.TryParse(id, "invitation", out Guid invitationId, out OpenAIError error))
            return error.ToResult();
        Outcome<InvitationView> outcome = await store.RevokeAsync(AdminCaller.Of(context), invitationId, context.RequestAborted);
        return outcome.Ok ? AdminJson.Ok(outcome.Value!) : outcome.Error.ToResult();
    }

    private static async Task<IResult> AcceptAsync(HttpContext context, InvitationStore store, Propagation propagation, IOptions<AdminOptions> options)
    {
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        string token, email;
        using (input)
        {
            if (!input.OnlyKnown(out error, "token", "email")
                || !input.RequiredString("token", 200, out token, out error)
                || !input.RequiredString("email", Emails.MaxLength, out email, out error))
                return error.ToResult();
        }
        Outcome<AcceptedInvitation> outcome = await store.AcceptAsync(token, email, MasterKey.IpOf(context), context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        AcceptedInvitation accepted = outcome.Value!;
        await propagation.KeyAsync(accepted.OrganizationId, accepted.Key.Id, [accepted.Key.Hash], CancellationToken.None);
        context.Response.Headers["x-nemo-org-id"] = accepted.OrganizationId.ToString();
        return AdminJson.Created(new
        {
            user_id = accepted.UserId, organization_id = accepted.OrganizationId, team_id = accepted.TeamId, role = accepted.Role,
            key_id = accepted.Key.Id, api_key = accepted.Key.Secret,
        });
    }

    private static async Task<IResult> DeclineAsync(HttpContext context, InvitationStore store, IOptions<AdminOptions> options)
    {
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        string token;
        string? email;
        using (input)
        {
            if (!input.OnlyKnown(out error, "token", "email")
                || !input.RequiredString("token", 200, out token, out error)
                || !input.OptionalString("email", Emails.MaxLength, out email, out error))
                return error.ToResult();
        }
        Outcome<InvitationView> outcome = await store.DeclineAsync(token, email, MasterKey.IpOf(context), context.RequestAborted);
        return outcome.Ok ? AdminJson.Ok(new { id = outcome.Value!.Id, status = outcome.Value.Status }) : outcome.Error.ToResult();
    }
}
