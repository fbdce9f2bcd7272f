using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Hosting;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Signup;

/// <summary><c>POST /v1/signup</c>: anyone when Nemo:Gateway:SignupOpen, else the operator.</summary>
internal static class SignupApi
{
    public const int MaxName = 200;

    public static IEndpointRouteBuilder MapNemoSignupApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/signup", SignupAsync).Anyone();
        return app;
    }

    private static async Task<IResult> SignupAsync(HttpContext context, AdminAuthenticator auth, OrganizationFactory factory, Propagation propagation,
        GatewayOptions gateway, IOptions<AdminOptions> options)
    {
        bool isOperator = auth.IsOperator(context.Request);
        if (!gateway.SignupOpen && !isOperator)
            return OpenAIError.Forbidden("Signup is closed on this gateway (Nemo:Gateway:SignupOpen is false); ask the operator to create your organization.", "signup_closed").ToResult();
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        using (input)
        {
            if (!input.OnlyKnown(out error, "email", "organization_name")
                || !input.RequiredString("email", Emails.MaxLength, out string email, out error)
                || !input.RequiredString("organization_name", MaxName, out string name, out error))
                return error.ToResult();
            if (!Emails.LooksValid(email))
                return OpenAIError.BadRequest($"email '{email}' is not a valid email address.", "email", "invalid_value").ToResult();
            CreatedOrganization? created = await factory.CreateAsync(name, email, Plan.Payg.Name, isOperator ? "operator" : $"signup:{email}",
                AdminAuthenticator.IpOf(context), context.RequestAborted);
            if (created is null)
                return AlreadyMember(email).ToResult();
            await propagation.KeyAsync(created.OrganizationId, created.Key.Id, [created.Key.Hash], CancellationToken.None);
            context.Response.Headers["x-nemo-org-id"] = created.OrganizationId.ToString();
            return AdminJson.Created(new { user_id = created.OwnerUserId, organization_id = created.OrganizationId, team_id = created.TeamId, api_key = created.Key.Secret });
        }
    }

    public static OpenAIError AlreadyMember(string email) =>
        OpenAIError.Conflict($"The user {email} already belongs to an organization; a user can belong to only one (leave it first).", "already_member");
}
