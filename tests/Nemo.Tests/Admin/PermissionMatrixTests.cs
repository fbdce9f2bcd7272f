using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>
/// Every admin route of docs/API.md × {owner, admin, member, viewer, a key of another organization, no key,
/// the operator's master key}: allowed or refused exactly as the contract says, checked server-side. Each
/// case runs against a fresh organization (mutations can't leak between cases), and every refusal is
/// checked to have changed nothing in that organization.
/// </summary>
public sealed class PermissionMatrixTests(AdminHostFixture fixture) : IClassFixture<AdminHostFixture>
{
    public enum Caller { Owner, Admin, Member, Viewer, OtherOrganization, NoKey, Operator }

    /// <summary>Who a route admits: the operator, anyone (token or signup), or members from a minimum role up.</summary>
    private enum Access { Operator, Anyone, Viewer, Member, Admin, Owner }

    /// <summary>
    /// One route. <paramref name="OwnKey"/>: a /v1/keys/{id} route whose key belongs to that role's member;
    /// its holder may act on it from <paramref name="Min"/> up, everyone else needs admin. <paramref name="UsesIds"/>:
    /// the path or body names rows of the organization (another organization's key then gets 404).
    /// <paramref name="OtherOrganization"/>: the expected status for another organization's key when it
    /// isn't simply allowed (e.g. deleting its own organization with this one's slug as confirmation: 400).
    /// </summary>
    private sealed record Route(string Name, Access Min, Func<AdminWorld, (HttpMethod Method, string Path, object? Body)> Build,
        bool UsesIds = false, string? OwnKey = null, int? OtherOrganization = null);

    private static readonly Route[] Routes =
    [
        new("POST /v1/signup", Access.Anyone, w => (HttpMethod.Post, "/v1/signup", new { email = $"signup-{Guid.NewGuid():N}@example.com", organization_name = "New" })),
        new("POST /v1/signup/verify", Access.Anyone, w => (HttpMethod.Post, "/v1/signup/verify",
            new { token = SignupTokens.Issue($"verify-{Guid.NewGuid():N}@example.com", "New", TimeSpan.FromHours(1)) })),
        new("POST /v1/admin/organizations", Access.Operator, w => (HttpMethod.Post, "/v1/admin/organizations", new { name = "Op", owner_email = $"op-{Guid.NewGuid():N}@example.com" })),
        new("GET /v1/admin/organizations", Access.Operator, w => (HttpMethod.Get, "/v1/admin/organizations", null)),
        new("GET /v1/admin/organizations/{id}", Access.Operator, w => (HttpMethod.Get, $"/v1/admin/organizations/{w.OrganizationId}", null)),
        new("PATCH /v1/admin/organizations/{id}", Access.Operator, w => (HttpMethod.Patch, $"/v1/admin/organizations/{w.OrganizationId}", new { plan = "tier2" })),
        new("POST /v1/admin/organizations/{id}/credits", Access.Operator, w => (HttpMethod.Post, $"/v1/admin/organizations/{w.OrganizationId}/credits", new { amount = 1, reason = "matrix" })),
        new("POST /v1/admin/accounts/password", Access.Operator, w => (HttpMethod.Post, "/v1/admin/accounts/password", new { email = w.Viewer.Email, password = "matrix passphrase 1" })),

        new("GET /v1/organization", Access.Viewer, w => (HttpMethod.Get, "/v1/organization", null)),
        new("PATCH /v1/organization", Access.Admin, w => (HttpMethod.Patch, "/v1/organization", new { name = "Renamed" })),
        new("DELETE /v1/organization", Access.Owner, w => (HttpMethod.Delete, "/v1/organization", new { confirm = w.Slug }), OtherOrganization: 400),
        new("POST /v1/organization/transfer", Access.Owner, w => (HttpMethod.Post, "/v1/organization/transfer", new { user_id = w.Member.UserId }), UsesIds: true),
        new("POST /v1/organization/leave", Access.Viewer, w => (HttpMethod.Post, "/v1/organization/leave", null)),

        new("GET /v1/members", Access.Viewer, w => (HttpMethod.Get, "/v1/members", null)),
        new("PATCH /v1/members/{user_id}", Access.Admin, w => (HttpMethod.Patch, $"/v1/members/{w.Member.UserId}", new { role = "viewer" }), UsesIds: true),
        new("DELETE /v1/members/{user_id}", Access.Admin, w => (HttpMethod.Delete, $"/v1/members/{w.Viewer.UserId}", null), UsesIds: true),

        new("GET /v1/teams", Access.Viewer, w => (HttpMethod.Get, "/v1/teams", null)),
        new("POST /v1/teams", Access.Admin, w => (HttpMethod.Post, "/v1/teams", new { name = "Platform" })),
        new("PATCH /v1/teams/{id}", Access.Admin, w => (HttpMethod.Patch, $"/v1/teams/{w.TeamId}", new { name = "Renamed team" }), UsesIds: true),
        new("DELETE /v1/teams/{id}", Access.Admin, w => (HttpMethod.Delete, $"/v1/teams/{w.TeamId}", null), UsesIds: true),

        new("POST /v1/invitations", Access.Admin, w => (HttpMethod.Post, "/v1/invitations", new { email = $"new-{Guid.NewGuid():N}@example.com", role = "member" })),
        new("POST /v1/invitations/bulk", Access.Admin, w => (HttpMethod.Post, "/v1/invitations/bulk",
            new StringContent($"email,role\nbulk-{Guid.NewGuid():N}@example.com,viewer\n", Encoding.UTF8, "text/csv"))),
        new("GET /v1/invitations", Access.Admin, w => (HttpMethod.Get, "/v1/invitations", null)),
        new("DELETE /v1/invitations/{id}", Access.Admin, w => (HttpMethod.Delete, $"/v1/invitations/{w.InvitationId}", null), UsesIds: true),
        new("POST /v1/invitations/accept", Access.Anyone, w => (HttpMethod.Post, "/v1/invitations/accept", new { token = w.InvitationToken, email = w.InvitationEmail })),
        new("POST /v1/invitations/decline", Access.Anyone, w => (HttpMethod.Post, "/v1/invitations/decline", new { token = w.InvitationToken })),

        new("GET /v1/keys", Access.Viewer, w => (HttpMethod.Get, "/v1/keys", null)),
        new("POST /v1/keys", Access.Member, w => (HttpMethod.Post, "/v1/keys", new { name = "matrix key" })),
        new("GET /v1/keys/{id} (member's)", Access.Viewer, w => (HttpMethod.Get, $"/v1/keys/{w.Member.KeyId}", null), UsesIds: true, OwnKey: "member"),
        new("GET /v1/keys/{id} (viewer's)", Access.Viewer, w => (HttpMethod.Get, $"/v1/keys/{w.Viewer.KeyId}", null), UsesIds: true, OwnKey: "viewer"),
        new("PATCH /v1/keys/{id} (member's)", Access.Member, w => (HttpMethod.Patch, $"/v1/keys/{w.Member.KeyId}", new { name = "renamed" }), UsesIds: true, OwnKey: "member"),
        new("PATCH /v1/keys/{id} (viewer's)", Access.Member, w => (HttpMethod.Patch, $"/v1/keys/{w.Viewer.KeyId}", new { name = "renamed" }), UsesIds: true, OwnKey: "viewer"),
        new("DELETE /v1/keys/{id} (member's)", Access.Member, w => (HttpMethod.Delete, $"/v1/keys/{w.Member.KeyId}", null), UsesIds: true, OwnKey: "member"),
        new("POST /v1/keys/{id}/rotate (member's)", Access.Member, w => (HttpMethod.Post, $"/v1/keys/{w.Member.KeyId}/rotate", null), UsesIds: true, OwnKey: "member"),
        new("POST /v1/keys/{id}/rotate (owner's)", Access.Member, w => (HttpMethod.Post, $"/v1/keys/{w.Owner.KeyId}/rotate", new { grace_period_seconds = 60 }), UsesIds: true, OwnKey: "owner"),

        new("GET /v1/budgets", Access.Viewer, w => (HttpMethod.Get, "/v1/budgets", null)),
        new("GET /v1/budgets/{scope}/{id}", Access.Viewer, w => (HttpMethod.Get, $"/v1/budgets/team/{w.TeamId}", null), UsesIds: true),
        new("PUT /v1/budgets/{scope}/{id}", Access.Admin, w => (HttpMethod.Put, $"/v1/budgets/team/{w.TeamId}", new { limit = 7.5, period = "weekly" }), UsesIds: true),
        new("DELETE /v1/budgets/{scope}/{id}", Access.Admin, w => (HttpMethod.Delete, $"/v1/budgets/team/{w.TeamId}", null), UsesIds: true),

        new("GET /v1/credits", Access.Viewer, w => (HttpMethod.Get, "/v1/credits", null)),
        new("POST /v1/credits/purchase", Access.Owner, w => (HttpMethod.Post, "/v1/credits/purchase", new { amount = 10 })),
        new("GET /v1/billing", Access.Owner, w => (HttpMethod.Get, "/v1/billing", null)),
        new("PATCH /v1/billing", Access.Owner, w => (HttpMethod.Patch, "/v1/billing", new { plan = "tier3" })),

        new("GET /v1/usage", Access.Viewer, w => (HttpMethod.Get, "/v1/usage?group_by=model", null)),
        new("GET /v1/usage/export", Access.Admin, w => (HttpMethod.Get, "/v1/usage/export", null)),
        new("GET /v1/activity", Access.Viewer, w => (HttpMethod.Get, "/v1/activity", null)),
        new("GET /v1/logs", Access.Viewer, w => (HttpMethod.Get, "/v1/logs", null)),
        new("GET /v1/logs/{id}/content", Access.Admin, w => (HttpMethod.Get, $"/v1/logs/{w.ContentRequestId}/content", null), UsesIds: true),
        new("GET /v1/audit", Access.Admin, w => (HttpMethod.Get, "/v1/audit", null)),
        new("GET /v1/provider-preferences", Access.Viewer, w => (HttpMethod.Get, "/v1/provider-preferences", null)),
        new("PUT /v1/provider-preferences", Access.Admin, w => (HttpMethod.Put, "/v1/provider-preferences", new { order = new[] { "fake" } })),
        new("GET /v1/provider-keys", Access.Admin, w => (HttpMethod.Get, "/v1/provider-keys", null)),
        new("PUT /v1/provider-keys/{provider}", Access.Admin, w => (HttpMethod.Put, "/v1/provider-keys/fake", new { api_key = "sk-fake-provider-key" })),
        new("DELETE /v1/provider-keys/{provider}", Access.Admin, w => (HttpMethod.Delete, "/v1/provider-keys/fake", null)),

        new("GET /v1/guardrails", Access.Viewer, w => (HttpMethod.Get, "/v1/guardrails", null)),
        new("POST /v1/guardrails", Access.Admin, w => (HttpMethod.Post, "/v1/guardrails", new { name = "matrix", kind = "keywords", action = "block", config = new { keywords = new[] { "x" } } })),
        new("GET /v1/guardrails/{id}", Access.Viewer, w => (HttpMethod.Get, $"/v1/guardrails/{w.GuardrailId}", null), UsesIds: true),
        new("PATCH /v1/guardrails/{id}", Access.Admin, w => (HttpMethod.Patch, $"/v1/guardrails/{w.GuardrailId}", new { name = "renamed" }), UsesIds: true),
        new("DELETE /v1/guardrails/{id}", Access.Admin, w => (HttpMethod.Delete, $"/v1/guardrails/{w.GuardrailId}", null), UsesIds: true),

        new("GET /v1/prompts", Access.Viewer, w => (HttpMethod.Get, "/v1/prompts", null)),
        new("POST /v1/prompts", Access.Admin, w => (HttpMethod.Post, "/v1/prompts", new { name = "matrix", template = "Hi {{name}}" })),
        new("GET /v1/prompts/{id}", Access.Viewer, w => (HttpMethod.Get, $"/v1/prompts/{w.PromptId}", null), UsesIds: true),
        new("PATCH /v1/prompts/{id}", Access.Admin, w => (HttpMethod.Patch, $"/v1/prompts/{w.PromptId}", new { name = "renamed" }), UsesIds: true),
        new("DELETE /v1/prompts/{id}", Access.Admin, w => (HttpMethod.Delete, $"/v1/prompts/{w.PromptId}", null), UsesIds: true),
        new("POST /v1/prompts/{id}/versions", Access.Admin, w => (HttpMethod.Post, $"/v1/prompts/{w.PromptId}/versions", new { template = "Hey {{name}}" }), UsesIds: true),
        new("PUT /v1/prompts/{id}/labels/{label}", Access.Admin, w => (HttpMethod.Put, $"/v1/prompts/{w.PromptId}/labels/staging", new { version = 1 }), UsesIds: true),

        new("GET /v1/experiments", Access.Viewer, w => (HttpMethod.Get, "/v1/experiments", null)),
        new("POST /v1/experiments", Access.Admin, w => (HttpMethod.Post, "/v1/experiments", new
        {
            name = "matrix", match = new { model = "gpt-4o-mini" }, variants = new object[] { new { name = "a", weight = 1 }, new { name = "b", weight = 1 } },
        })),
        new("GET /v1/experiments/{id}", Access.Viewer, w => (HttpMethod.Get, $"/v1/experiments/{w.ExperimentId}", null), UsesIds: true),
        new("PATCH /v1/experiments/{id}", Access.Admin, w => (HttpMethod.Patch, $"/v1/experiments/{w.ExperimentId}", new { status = "running" }), UsesIds: true),
        new("DELETE /v1/experiments/{id}", Access.Admin, w => (HttpMethod.Delete, $"/v1/experiments/{w.ExperimentId}", null), UsesIds: true),
        new("GET /v1/experiments/{id}/results", Access.Viewer, w => (HttpMethod.Get, $"/v1/experiments/{w.ExperimentId}/results", null), UsesIds: true),
    ];

    private static int Rank(Access access) => access switch
    {
        Access.Viewer => 0,
        Access.Member => 1,
        Access.Admin => 2,
        Access.Owner => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(access)),
    };

    private static int Rank(Caller caller) => caller switch
    {
        Caller.Viewer => 0,
        Caller.Member => 1,
        Caller.Admin => 2,
        Caller.Owner or Caller.OtherOrganization => 3,
        _ => -1,
    };

    /// <summary>docs/API.md's role matrix as a function: 200-class (0), or the refusal's status.</summary>
    private static int Expected(Route route, Caller caller)
    {
        if (route.Min == Access.Operator)
            return caller == Caller.Operator ? 0 : 401;
        if (route.Min == Access.Anyone)
            return 0;
        if (caller == Caller.NoKey)
            return 401;
        if (caller == Caller.Operator)
            return 403;
        if (caller == Caller.OtherOrganization)
            return route.UsesIds ? 404 : route.OtherOrganization ?? 0;
        if (Rank(caller) < Rank(route.Min))
            return 403;
        if (route.OwnKey is { } holder && !string.Equals(holder, caller.ToString(), StringComparison.OrdinalIgnoreCase) && Rank(caller) < Rank(Access.Admin))
            return 403;
        return 0;
    }

    public static TheoryData<string> RouteNames => [.. Routes.Select(r => r.Name)];

    [Fact]
    public void Matrix_CoversEveryAdminRouteTheGatewayMaps()
    {
        var endpoints = fixture.Host.Get<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } p && p.StartsWith("/v1/", StringComparison.Ordinal) && !IsLlmRoute(p))
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .ToHashSet();
        var covered = Routes.Select(r => Normalize(r.Name.Split(" (")[0])).ToHashSet();
        Assert.Empty(endpoints.Except(covered).Order());
    }

    private static bool IsLlmRoute(string pattern) =>
        pattern is "/v1/chat/completions" or "/v1/messages" or "/v1/responses" or "/v1/completions" or "/v1/embeddings" or "/v1/models" or "/v1/models/{model}";

    private static string Normalize(string route) => System.Text.RegularExpressions.Regex.Replace(route, "\\{[^}]+\\}", "{}");

    [Theory]
    [MemberData(nameof(RouteNames))]
    public async Task Route_AllowsAndRefusesExactlyAsApiMdSays(string name)
    {
        Route route = Routes.Single(r => r.Name == name);
        HttpClient client = fixture.Host.Client;
        // Calls that change nothing (refusals, reads) share one organization; each allowed mutation gets its own.
        AdminWorld shared = await AdminWorld.CreateAsync(client, fixture.Database);
        AdminWorld other = await AdminWorld.CreateAsync(client, fixture.Database);
        var mismatches = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enum.GetValues<Caller>(), new ParallelOptions { MaxDegreeOfParallelism = 7 }, async (caller, _) =>
        {
            bool mutates = route.Build(shared).Method != HttpMethod.Get && Expected(route, caller) == 0 && caller != Caller.OtherOrganization;
            AdminWorld world = mutates ? await AdminWorld.CreateAsync(client, fixture.Database) : shared;
            string? problem = await RunAsync(route, caller, world, other);
            if (problem is not null)
                mismatches.Add($"{route.Name} as {caller}: {problem}");
        });
        Assert.True(mismatches.IsEmpty, string.Join(Environment.NewLine, mismatches.Order()));
    }

    private async Task<string?> RunAsync(Route route, Caller caller, AdminWorld world, AdminWorld other)
    {
        HttpClient client = fixture.Host.Client;
        string? bearer = caller switch
        {
            Caller.Owner => world.Owner.Key,
            Caller.Admin => world.Admin.Key,
            Caller.Member => world.Member.Key,
            Caller.Viewer => world.Viewer.Key,
            Caller.OtherOrganization => other.Owner.Key,
            Caller.Operator => NemoTestHost.MasterKey,
            _ => null,
        };
        (HttpMethod method, string path, object? body) = route.Build(world);
        string before = await world.FingerprintAsync(fixture.Database);
        using var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (body is not null)
            request.Content = body as HttpContent ?? new StringContent(System.Text.Json.JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await client.SendAsync(request);
        int status = (int)response.StatusCode;
        string text = await response.Content.ReadAsStringAsync();
        int expected = Expected(route, caller);
        if (expected == 0 ? status is < 200 or > 299 : status != expected)
            return $"expected {(expected == 0 ? "2xx" : expected.ToString())}, got {status}: {text}";
        if (status >= 400 && !text.Contains("\"error\"", StringComparison.Ordinal))
            return $"the refusal is not in OpenAI's error shape: {text}";
        if (route.Min != Access.Anyone && (expected != 0 || caller == Caller.OtherOrganization))
        {
            if (await world.FingerprintAsync(fixture.Database) != before)
                return "a refused call (or another organization's call) changed the organization";
            if (caller == Caller.OtherOrganization && status < 400 && (text.Contains(world.OrganizationId.ToString(), StringComparison.Ordinal)
                || text.Contains(world.Owner.UserId.ToString(), StringComparison.Ordinal) || text.Contains(world.TeamId.ToString(), StringComparison.Ordinal)))
                return $"another organization's key saw this organization's data: {text}";
        }
        return null;
    }
}
