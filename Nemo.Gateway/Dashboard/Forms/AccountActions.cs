using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Access;
using Nemo.Gateway.Admin;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Invitations;
using Nemo.Gateway.Admin.Signup;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Dashboard.Accounts;
using Nemo.Gateway.Hosting;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Dashboard.Forms;

/// <summary>
/// The console's sign-in forms: sign in and out, sign up (the same emailed verification as
/// <c>POST /v1/signup</c>, then a password on the verification page), password reset, and accepting an
/// invitation in the browser (the token proves the address: the account is created with it). Every
/// form carries an antiforgery token, checked by the antiforgery middleware before these run.
/// </summary>
internal static class AccountActions
{
    public static IEndpointRouteBuilder MapNemoAccountActions(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/signin", SignInAsync);
        // The sign-out form is on signed-in pages, so its antiforgery token belongs to the session's user: the
        // session is read here too (when there is one) for the token to match; signing out never needs one.
        app.MapPost("/account/signout", SignOutAsync)
            .RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = ConsoleAuth.Scheme }).AllowAnonymous();
        app.MapPost("/account/signup", SignupAsync).WithMetadata(new SignupRateLimit());
        app.MapPost("/account/verify", VerifyAsync).WithMetadata(new SignupRateLimit());
        app.MapPost("/account/forgot", ForgotAsync).WithMetadata(new SignupRateLimit());
        app.MapPost("/account/reset", ResetAsync);
        app.MapPost("/account/accept-invitation", AcceptAsync);
        app.MapGet("/", Home).RequireAuthorization(AccessPolicies.ConsoleViewer);
        app.MapPost("/v1/admin/accounts/password", OperatorSetPasswordAsync).Operator().DisableAntiforgery();
        return app;
    }

    private static IResult Home(HttpContext context) => Results.Redirect($"/o/{AdminCaller.Of(context).OrganizationId}");

    private static async Task<IResult> SignInAsync(HttpContext context, IFormCollection form, AccountStore accounts, Nemo.Gateway.Keys.AuthFailureLimiter failures)
    {
        // Besides each account's lockout, an address that keeps failing (passwords here, keys on the API:
        // one budget, Nemo:Auth:FailuresPerAddress) is turned away before any password is checked.
        if (failures.Refusal(context) is not null)
            return Back(context, "/signin", "Too many failed sign-ins from your network address: wait a minute and try again.");
        var input = new FormInput(form);
        string email = input.Text("email", "Email", Emails.MaxLength);
        string password = input.Secret("password", "Password");
        if (!input.Ok || password.Length == 0)
            return Back(context, "/signin", input.Error ?? "Enter your password.");
        SignInOutcome outcome = await accounts.PasswordSignInAsync(email, password, context.RequestAborted);
        if (!outcome.Succeeded)
            failures.RecordFailure(context);
        if (outcome.LockedOut)
            return Back(context, "/signin", "Too many failed attempts: this account is locked for a while. Try again later, or reset your password.");
        if (!outcome.Succeeded)
            return Back(context, "/signin", "The email or password is not correct.");
        await ConsoleAuth.SignInAsync(context, outcome);
        string? returnUrl = form["returnUrl"];
        return Results.LocalRedirect(returnUrl is { Length: > 1 } url && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal) ? url : "/");
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, IFormCollection form)
    {
        _ = form;
        await context.SignOutAsync(ConsoleAuth.Scheme);
        Flash.Set(context, new Flash("ok", "You are signed out."));
        return Results.Redirect("/signin");
    }

    private static async Task<IResult> SignupAsync(HttpContext context, IFormCollection form, AdminDatabase database, VerificationToken tokens,
        GatewayOptions gateway, IOptions<SignupOptions> signup, TimeProvider time)
    {
        if (!gateway.SignupOpen)
            return Back(context, "/signup", "Signup is closed on this Nemo: ask the operator to create your organization.");
        var input = new FormInput(form);
        string email = input.Text("email", "Email", Emails.MaxLength);
        string name = input.Text("organization_name", "Organization name", SignupApi.MaxName);
        if (input.Ok && !Emails.LooksValid(email))
            return Back(context, "/signup", $"'{email}' is not a valid email address.");
        if (!input.Ok)
            return Back(context, "/signup", input.Error!);
        DateTimeOffset now = time.GetUtcNow();
        await using (AdminSession session = await database.ServiceAsync(context.RequestAborted))
        {
            Guid? member = await session.ScalarAsync<Guid?>(
                "SELECT m.organization_id FROM nemo.users u JOIN nemo.memberships m ON m.user_id = u.id WHERE lower(u.email) = lower(@email)",
                context.RequestAborted, ("email", email));
            if (member is { } organizationId)
                await SignupEmail.QueueAlreadyMemberAsync(session, organizationId, email, now, context.RequestAborted);
            else
                await SignupEmail.QueueVerificationAsync(session, email, name, tokens.Issue(email, name, signup.Value.VerificationTtl), now + signup.Value.VerificationTtl,
                    ConsoleUrl(context), now, context.RequestAborted);
            await session.CommitAsync(context.RequestAborted);
        }
        Flash.Set(context, new Flash("ok", $"If {email} can sign up, a verification email is on its way. Open its link to choose your password."));
        return Results.Redirect("/signin");
    }

    private static async Task<IResult> VerifyAsync(HttpContext context, IFormCollection form, OrganizationFactory factory, Propagation propagation,
        VerificationToken tokens, AccountStore accounts, GatewayOptions gateway)
    {
        var input = new FormInput(form);
        string token = input.Text("token", "The verification link", VerificationToken.MaxLength);
        string password = input.Secret("password", "Password");
        string back = "/signup/verify?token=" + Uri.EscapeDataString(token);
        if (!gateway.SignupOpen)
            return Back(context, "/signup", "Signup is closed on this Nemo.");
        if (!input.Ok)
            return Back(context, back, input.Error!);
        if (tokens.Read(token) is not { } claims)
            return Back(context, "/signup", "This verification link is not valid or has expired: sign up again for a new one.");
        if (accounts.PasswordProblem(password) is { } problem)
            return Back(context, back, problem);
        if (password != form["password_confirm"].ToString())
            return Back(context, back, "The two passwords are not the same.");
        CreatedOrganization? created = await factory.CreateAsync(claims.OrganizationName, claims.Email, Plan.Payg.Name, $"signup:{claims.Email}",
            MasterKey.IpOf(context), context.RequestAborted);
        if (created is null)
            return Back(context, "/signin", $"{claims.Email} already belongs to an organization: sign in instead (or reset your password).");
        await propagation.KeyAsync(created.OrganizationId, created.Key.Id, [created.Key.Hash], CancellationToken.None);
        SignInOutcome? account = await accounts.SetPasswordAsync(claims.Email, password, context.RequestAborted);
        await ConsoleAuth.SignInAsync(context, account!);
        Flash.Set(context, new Flash("ok", $"Welcome to Nemo: {claims.OrganizationName} is ready and your email is verified."));
        return Results.Redirect($"/o/{created.OrganizationId}");
    }

    private static async Task<IResult> ForgotAsync(HttpContext context, IFormCollection form, AccountStore accounts)
    {
        var input = new FormInput(form);
        string email = input.Text("email", "Email", Emails.MaxLength);
        if (!input.Ok)
            return Back(context, "/password/forgot", input.Error!);
        if (Emails.LooksValid(email))
            await accounts.RequestResetAsync(email, ConsoleUrl(context), context.RequestAborted);
        Flash.Set(context, new Flash("ok", $"If {email} has a Nemo account, an email with a reset link is on its way."));
        return Results.Redirect("/signin");
    }

    private static async Task<IResult> ResetAsync(HttpContext context, IFormCollection form, AccountStore accounts)
    {
        var input = new FormInput(form);
        string token = input.Text("token", "The reset link", 200);
        string password = input.Secret("password", "Password");
        string back = "/password/reset?token=" + Uri.EscapeDataString(token);
        if (!input.Ok)
            return Back(context, back, input.Error!);
        if (accounts.PasswordProblem(password) is { } problem)
            return Back(context, back, problem);
        if (password != form["password_confirm"].ToString())
            return Back(context, back, "The two passwords are not the same.");
        SignInOutcome? outcome = await accounts.ResetAsync(token, password, context.RequestAborted);
        if (outcome is null)
            return Back(context, "/password/forgot", "This reset link is not valid, was already used, or has expired: ask for a new one.");
        await ConsoleAuth.SignInAsync(context, outcome);
        Flash.Set(context, new Flash("ok", "Your password is changed and your other sessions are signed out."));
        return Results.Redirect("/");
    }

    private static async Task<IResult> AcceptAsync(HttpContext context, IFormCollection form, AccountStore accounts, InvitationStore invitations, Propagation propagation)
    {
        var input = new FormInput(form);
        string token = input.Text("token", "The invitation link", 200);
        string email = input.Text("email", "Email", Emails.MaxLength);
        string password = input.Secret("password", "Password");
        string back = $"/invitations/accept?token={Uri.EscapeDataString(token)}&email={Uri.EscapeDataString(email)}";
        if (!input.Ok)
            return Back(context, back, input.Error!);
        bool existing = await accounts.HasPasswordAsync(email, context.RequestAborted);
        if (existing)
        {
            SignInOutcome check = await accounts.PasswordSignInAsync(email, password, context.RequestAborted);
            if (!check.Succeeded)
                return Back(context, back, check.LockedOut ? "This account is locked for a while after failed attempts." : "That is not this account's password.");
        }
        else
        {
            if (accounts.PasswordProblem(password) is { } problem)
                return Back(context, back, problem);
            if (password != form["password_confirm"].ToString())
                return Back(context, back, "The two passwords are not the same.");
        }
        Outcome<AcceptedInvitation> outcome = await invitations.AcceptAsync(token, email, MasterKey.IpOf(context), context.RequestAborted);
        if (!outcome.Ok)
            return Back(context, back, outcome.Error.Message);
        AcceptedInvitation accepted = outcome.Value!;
        await propagation.KeyAsync(accepted.OrganizationId, accepted.Key.Id, [accepted.Key.Hash], CancellationToken.None);
        SignInOutcome? account = existing
            ? await accounts.FindByVerifiedEmailAsync(email, context.RequestAborted)
            : await accounts.SetPasswordAsync(email, password, context.RequestAborted);
        await ConsoleAuth.SignInAsync(context, account!);
        Flash.Set(context, new Flash("ok", $"You joined as {accepted.Role}."));
        return Results.Redirect($"/o/{accepted.OrganizationId}");
    }

    /// <summary>The operator sets a person's password (the demo owner of <c>./nemo up</c>); the person must already be a user.</summary>
    private static async Task<IResult> OperatorSetPasswordAsync(HttpContext context, AccountStore accounts, IOptions<AdminOptions> options)
    {
        (JsonInput? input, Nemo.Gateway.Errors.OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        string email, password;
        using (input)
        {
            if (!input.OnlyKnown(out error, "email", "password")
                || !input.RequiredString("email", Emails.MaxLength, out email, out error)
                || !input.RequiredString("password", AccountOptions.MaxPasswordLength, out password, out error))
                return error.ToResult();
        }
        if (accounts.PasswordProblem(password) is { } problem)
            return Nemo.Gateway.Errors.OpenAIError.BadRequest(problem, "password", "invalid_value").ToResult();
        SignInOutcome? outcome = await accounts.SetPasswordAsync(email, password, context.RequestAborted);
        return outcome is null
            ? AdminErrors.NotFound("user", email, "email").ToResult()
            : AdminJson.Ok(new { @object = "account", user_id = outcome.UserId, email });
    }

    public static IResult Back(HttpContext context, string path, string message)
    {
        Flash.Set(context, new Flash("error", message));
        return Results.Redirect(path);
    }

    /// <summary>Where links in emails point: Nemo:Admin:PublicUrl when set, else the address this request came to.</summary>
    public static string ConsoleUrl(HttpContext context)
    {
        string? configured = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<IOptions<AdminOptions>>(context.RequestServices).Value.PublicUrl;
        return configured is { Length: > 0 } ? configured.TrimEnd('/') : $"{context.Request.Scheme}://{context.Request.Host}";
    }
}
