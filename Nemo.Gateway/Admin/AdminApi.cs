using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Nemo.Gateway.Admin.Audit;
using Nemo.Gateway.Admin.ProviderKeys;
using Nemo.Gateway.Admin.Billing;
using Nemo.Gateway.Admin.Budgets;
using Nemo.Gateway.Admin.Credits;
using Nemo.Gateway.Admin.Experiments;
using Nemo.Gateway.Admin.Guardrails;
using Nemo.Gateway.Admin.Prompts;
using Nemo.Gateway.Admin.Invitations;
using Nemo.Gateway.Admin.Keys;
using Nemo.Gateway.Admin.Members;
using Nemo.Gateway.Admin.Operator;
using Nemo.Gateway.Admin.Organizations;
using Nemo.Gateway.Admin.Signup;
using Nemo.Gateway.Admin.Teams;
using Nemo.Gateway.Admin.RequestLog;
using Nemo.Gateway.Admin.Usage;

namespace Nemo.Gateway.Admin;

/// <summary>
/// The tenancy and administration routes of docs/API.md. Every route declares who may call it (see
/// <see cref="Http.AdminRoutes"/>) and is checked server-side before its handler runs; every mutation is
/// one transaction with its audit entry; tenant queries run under row-level security.
/// </summary>
internal static class AdminApi
{
    public static IEndpointRouteBuilder MapNemoAdminApi(this IEndpointRouteBuilder app)
    {
        // The rate limiter (open signup) runs after routing, which WebApplication adds first, so it sees
        // each endpoint's metadata; it is added here because the admin API is its only user.
        if (app is IApplicationBuilder pipeline)
            pipeline.UseRateLimiter();
        app.MapNemoSignupApi();
        app.MapNemoOperatorApi();
        app.MapNemoOrganizationsApi();
        app.MapNemoProviderPreferencesApi();
        app.MapNemoMembersApi();
        app.MapNemoTeamsApi();
        app.MapNemoInvitationsApi();
        app.MapNemoKeysApi();
        app.MapNemoBudgetsApi();
        app.MapNemoCreditsApi();
        app.MapNemoBillingApi();
        app.MapNemoUsageApi();
        app.MapNemoRequestLogApi();
        app.MapNemoAuditApi();
        app.MapNemoProviderKeysApi();
        app.MapNemoGuardrailsApi();
        app.MapNemoPromptsApi();
        app.MapNemoExperimentsApi();
        return app;
    }
}
