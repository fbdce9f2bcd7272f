using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Errors;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Access;

/// <summary>
/// The one role rule, for the admin API and the console alike: the principal's role (from its key or its
/// session, read fresh from the database at this request) is at least the requirement's. A refusal carries
/// its error (<see cref="RoleRefusal"/>), which <see cref="AccessResultWriter"/> writes for API routes; the
/// console's cookie scheme shows its own page. The admin stores then apply their own finer rules
/// (owner-only changes, the last owner) to the same caller.
/// </summary>
internal sealed class RoleAuthorizationHandler : AuthorizationHandler<RoleRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, RoleRequirement requirement)
    {
        if (AccessClaims.IsOperator(context.User))
        {
            context.Fail(new RoleRefusal(this, OpenAIError.Forbidden(
                "This route acts inside an organization; call it with a member's key, not the master key.", "operator_key_not_allowed")));
        }
        else if (AccessClaims.RoleOf(context.User) is { } role && role >= requirement.Minimum)
        {
            context.Succeed(requirement);
        }
        else if (context.User.Identity?.IsAuthenticated == true)
        {
            string what = (context.Resource as HttpContext)?.GetEndpoint()?.Metadata.GetMetadata<RoleDescription>()?.What ?? "do this";
            context.Fail(new RoleRefusal(this, OpenAIError.Forbidden(
                $"Only {Roles(requirement.Minimum)} can {what}; ask an owner to change your role.", "role_forbidden")));
        }
        return Task.CompletedTask;
    }

    private static string Roles(MemberRole minimum) => minimum switch
    {
        MemberRole.Owner => "owners",
        MemberRole.Admin => "owners and admins",
        MemberRole.Member => "owners, admins and members (not viewers)",
        _ => "members",
    };
}

/// <summary>Why a role requirement refused the caller, as the error to answer an API caller with.</summary>
internal sealed class RoleRefusal(IAuthorizationHandler handler, OpenAIError error) : AuthorizationFailureReason(handler, error.Message)
{
    public OpenAIError Error { get; } = error;
}
