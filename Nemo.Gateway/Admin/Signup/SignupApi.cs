using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Access;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Hosting;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Signup;

/// <summary>
/// <c>POST /v1/signup</c>: with the operator's master key, creates the organization at once. Open to
/// anyone when Nemo:Gateway:SignupOpen: then it only emails a verification token to the address (202,
/// the same answer whether or not the address is registered), and <c>POST /v1/signup/verify</c> with
/// that token creates the organization. Until then nothing is stored, so signing up with someone
/// else's address holds nothing (their invitations stay acceptable). Both open routes are rate-limited
/// per client address and overall (<see cref="SignupRateLimit"/>).
/// </summary>
internal static class SignupApi
{
    public const int MaxName = 200;

    public static IEndpointRouteBuilder MapNemoSignupApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/signup", SignupAsync).Anyone().WithMetadata(new SignupRateLimit());
        app.MapPost("/v1/signup/verify", VerifyAsync).Anyone().WithMetadata(new SignupRateLimit());
        return app;
    }

    private static async Task<IResult> SignupAsync(HttpContext context, MasterKey auth, OrganizationFactory factory, Propagation propagation,
        AdminDatabase database, VerificationToken tokens, GatewayOptions gateway, IOptions<AdminOptions> options, IOptions<SignupOptions> signup, TimeProvider time)
    {
        bool isOperator = auth.IsOperator(context.Request);
        if (!gateway.SignupOpen && !isOperator)
            return OpenAIError.Forbidden("Signup is closed on this gateway (Nemo:Gateway:SignupOpen is false); ask the operator to create your organization.", "signup_closed").ToResult();
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        string email, name;
        using (input)
        {
            if (!input.OnlyKnown(out error, "email", "organization_name")
                || !input.RequiredString("email", Emails.MaxLength, out email, out error)
                || !input.RequiredString("organization_name", MaxName, out name, out error))
                return error.ToResult();
        }
        if (!Emails.LooksValid(email))
            return OpenAIError.BadRequest($"email '{email}' is not a valid email address.", "email", "invalid_value").ToResult();
        if (isOperator)
            return await CreateAsync(context, factory, propagation, name, email, "operator");

        DateTimeOffset now = time.GetUtcNow();
        DateTimeOffset expiresAt = now + signup.Value.VerificationTtl;
        await using (AdminSession session = await database.ServiceAsync(context.RequestAborted))
        {
            Guid? member = await session.ScalarAsync<Guid?>(
                "SELECT m.organization_id FROM nemo.users u JOIN nemo.memberships m ON m.user_id = u.id WHERE lower(u.email) = lower(@email)",
                context.RequestAborted, ("email", email));
            if (member is { } organizationId)
                await SignupEmail.QueueAlreadyMemberAsync(session, organizationId, email, now, context.RequestAborted);
            else
                await SignupEmail.QueueVerificationAsync(session, email, name, tokens.Issue(email, name, signup.Value.VerificationTtl), expiresAt,
                    options.Value.PublicUrl, now, context.RequestAborted);
            await session.CommitAsync(context.RequestAborted);
        }
        return AdminJson.Ok(new
        {
            @object = "signup",
            status = "verification_sent",
            email,
            message = $"If {email} can sign up, a verification email is on its way. Confirm with POST /v1/signup/verify {{\"token\": …}} before {expiresAt:O}.",
        }, StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> VerifyAsync(HttpContext context, OrganizationFactory factory, Propagation propagation, VerificationToken tokens,
        GatewayOptions gateway, IOptions<AdminOptions> options)
    {
        if (!gateway.SignupOpen)
            return OpenAIError.Forbidden("Signup is closed on this gateway (Nemo:Gateway:SignupOpen is false); ask the operator to create your organization.", "signup_closed").ToResult();
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        string token;
        using (input)
        {
            if (!input.OnlyKnown(out error, "token") || !input.RequiredString("token", VerificationToken.MaxLength, out token, out error))
                return error.ToResult();
        }
        if (tokens.Read(token) is not { } claims)
            return OpenAIError.BadRequest("token is not a valid, unexpired signup verification token; copy it whole from the email, or sign up again for a new one.",
                "token", "invalid_verification_token").ToResult();
        return await CreateAsync(context, factory, propagation, claims.OrganizationName, claims.Email, $"signup:{claims.Email}");
    }

    private static async Task<IResult> CreateAsync(HttpContext context, OrganizationFactory factory, Propagation propagation, string name, string email, string actor)
    {
        CreatedOrganization? created = await factory.CreateAsync(name, email, Plan.Payg.Name, actor, MasterKey.IpOf(context), context.RequestAborted);
        if (created is null)
            return AlreadyMember(email).ToResult();
        await propagation.KeyAsync(created.OrganizationId, created.Key.Id, [created.Key.Hash], CancellationToken.None);
        context.Response.Headers["x-nemo-org-id"] = created.OrganizationId.ToString();
        return AdminJson.Created(new { user_id = created.OwnerUserId, organization_id = created.OrganizationId, team_id = created.TeamId, api_key = created.Key.Secret });
    }

    public static OpenAIError AlreadyMember(string email) =>
        OpenAIError.Conflict($"The user {email} already belongs to an organization; a user can belong to only one (leave it first).", "already_member");
}
