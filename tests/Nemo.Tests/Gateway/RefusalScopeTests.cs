using System.Net;
using System.Text.Json;
using Nemo.FakeUpstream;
using Nemo.Grains.Contracts;
using Nemo.Grains.Tenancy;
using Nemo.Runtime.Client;
using Nemo.Tests.Infrastructure;
using static Nemo.Tests.Gateway.ProxyProbe;

namespace Nemo.Tests.Gateway;

/// <summary>
/// A refused or failed request changes nothing in any scope: after a 402, a 429 and each kind of 502,
/// the organization's credits and the organization, team, key and customer budgets (spent and
/// reserved) are exactly what they were before it.
/// </summary>
public sealed class RefusalScopeTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private sealed record Scopes(CreditsView Credits, BudgetView Organization, BudgetView Team, BudgetView Key, BudgetView Customer, BudgetView Poor);

    [Fact]
    public async Task RefusalsAndUpstreamFailures_LeaveEveryScopeUnchanged()
    {
        HttpClient client = fixture.Host.Client;
        Tenant owner = await Tenant.CreateAsync(client, credits: 1m);
        using HttpResponseMessage created = await client.SendAsync(owner.Request(HttpMethod.Post, "/v1/keys", new { name = "limited", rpm = 4 }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using JsonDocument keyJson = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        Tenant tenant = owner with { ApiKey = keyJson.RootElement.GetProperty("key").GetString()! };
        Guid keyId = keyJson.RootElement.GetProperty("id").GetGuid();
        foreach (string scope in new[] { $"organization/{owner.OrganizationId}", $"team/{owner.TeamId}", $"key/{keyId}", "customer/acme" })
            await PutBudgetAsync(owner, scope, 1m);
        await PutBudgetAsync(owner, "customer/poor", 0.000001m);

        // One success, so that every scope has something spent that a bad request could disturb.
        Outcome ok = await SendAsync(fixture, tenant, Chat(FakeMode.Ok), Customer("acme"));
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Scopes before = await ScopesAsync(owner, keyId);
        Assert.True(before.Key.Spent > 0 && before.Customer.Spent > 0 && before.Team.Spent > 0 && before.Organization.Spent > 0);

        await AssertUnchangedAsync(owner, keyId, before, HttpStatusCode.BadGateway, "upstream_error", Chat(FakeMode.Error500), "acme");
        await AssertUnchangedAsync(owner, keyId, before, HttpStatusCode.BadGateway, "upstream_bad_response", Chat(FakeMode.JsonStream, stream: true), "acme");
        await AssertUnchangedAsync(owner, keyId, before, HttpStatusCode.PaymentRequired, "budget_exceeded", Chat(FakeMode.Ok), "poor");
        await AssertUnchangedAsync(owner, keyId, before, HttpStatusCode.TooManyRequests, "rate_limit_exceeded", Chat(FakeMode.Ok), "acme");

        async Task AssertUnchangedAsync(Tenant owner, Guid keyId, Scopes before, HttpStatusCode status, string code, object body, string customer)
        {
            Outcome outcome = await SendAsync(fixture, tenant, body, Customer(customer));
            Assert.Equal(status, outcome.Status);
            Assert.Equal(code, outcome.ErrorCode);
            Assert.Null(await RowAsync(fixture.Database, outcome.RequestId));
            Scopes after = await ScopesAsync(owner, keyId);
            Assert.Equal(before, after);
            Assert.Equal(0, after.Credits.Reserved);
            Assert.All(new[] { after.Organization, after.Team, after.Key, after.Customer, after.Poor }, b => Assert.Equal(0, b.Reserved));
        }
    }

    private static Action<HttpRequestMessage> Customer(string id) => request => request.Headers.Add("x-nemo-customer-id", id);

    private async Task PutBudgetAsync(Tenant owner, string scope, decimal limit)
    {
        using HttpResponseMessage put = await fixture.Host.Client.SendAsync(owner.Request(HttpMethod.Put, $"/v1/budgets/{scope}", new { limit, period = "daily" }));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
    }

    private async Task<Scopes> ScopesAsync(Tenant owner, Guid keyId)
    {
        ClusterClient cluster = fixture.Host.Get<ClusterClient>();
        Guid org = owner.OrganizationId;
        return new Scopes(
            await cluster.GetCreditsAsync(org, CancellationToken.None),
            await cluster.GetBudgetAsync(org, new BudgetScope(BudgetScopeKind.Organization, org.ToString()), CancellationToken.None),
            await cluster.GetBudgetAsync(org, new BudgetScope(BudgetScopeKind.Team, owner.TeamId.ToString()), CancellationToken.None),
            await cluster.GetBudgetAsync(org, new BudgetScope(BudgetScopeKind.Key, keyId.ToString()), CancellationToken.None),
            await cluster.GetBudgetAsync(org, new BudgetScope(BudgetScopeKind.Customer, "acme"), CancellationToken.None),
            await cluster.GetBudgetAsync(org, new BudgetScope(BudgetScopeKind.Customer, "poor"), CancellationToken.None));
    }
}
