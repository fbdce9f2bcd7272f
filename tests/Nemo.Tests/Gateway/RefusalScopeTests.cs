using System.Net;
using System.Text.Json;
using Nemo.FakeUpstream;
using Nemo.Grains.Contracts;
using Nemo.Grains.Tenancy;
using Nemo.Cluster.Calls;
using Nemo.Tests.Infrastructure;
using static Nemo.Tests.Gateway.ProxyProbe;

namespace Nemo.Tests.Gateway;

/// <summary>
/// A refused or failed request changes nothing in any scope: after a 402, a 429 and each kind of 502,
/// the organization's credits and the organization, team, both keys' and both customers' budgets
/// (spent and reserved) are exactly what they were before it, and no ledger row exists for it.
/// </summary>
public sealed class RefusalScopeTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private sealed record Scopes(CreditsView Credits, BudgetView Organization, BudgetView Team, BudgetView OwnerKey, BudgetView LimitedKey,
        BudgetView Customer, BudgetView Poor);

    [Fact]
    public async Task RefusalsAndUpstreamFailures_LeaveEveryScopeUnchanged()
    {
        HttpClient client = fixture.Host.Client;
        Tenant owner = await Tenant.CreateAsync(client, credits: 1m);
        Guid ownerKeyId = await owner.KeyIdAsync(fixture.Database);
        using HttpResponseMessage created = await client.SendAsync(owner.Request(HttpMethod.Post, "/v1/keys", new { name = "limited", rpm = 1 }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using JsonDocument keyJson = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        Tenant limited = owner with { ApiKey = keyJson.RootElement.GetProperty("key").GetString()! };
        Guid limitedKeyId = keyJson.RootElement.GetProperty("id").GetGuid();
        foreach (string scope in new[] { $"organization/{owner.OrganizationId}", $"team/{owner.TeamId}", $"key/{ownerKeyId}", $"key/{limitedKeyId}", "customer/acme" })
            await PutBudgetAsync(owner, scope, 1m);
        await PutBudgetAsync(owner, "customer/poor", 0.000001m);

        // Successes first, so that every scope has something spent that a bad request could disturb;
        // the limited key (rpm 1) has used its one request of the minute.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(fixture, owner, Chat(FakeMode.Ok), Customer("acme"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(fixture, limited, Chat(FakeMode.Ok), Customer("acme"))).Status);
        Scopes before = await ScopesAsync(owner, ownerKeyId, limitedKeyId);
        Assert.True(before.OwnerKey.Spent > 0 && before.LimitedKey.Spent > 0 && before.Customer.Spent > 0 && before.Team.Spent > 0 && before.Organization.Spent > 0);

        await AssertUnchangedAsync(owner, HttpStatusCode.BadGateway, "upstream_error", Chat(FakeMode.Error500), "acme");
        await AssertUnchangedAsync(owner, HttpStatusCode.BadGateway, "upstream_auth_failed", Chat(FakeMode.Error401), "acme");
        await AssertUnchangedAsync(owner, HttpStatusCode.BadGateway, "upstream_bad_response", Chat(FakeMode.JsonStream, stream: true), "acme");
        await AssertUnchangedAsync(owner, HttpStatusCode.BadGateway, "upstream_bad_response", Chat(FakeMode.BadJson), "acme");
        await AssertUnchangedAsync(owner, HttpStatusCode.PaymentRequired, "budget_exceeded", Chat(FakeMode.Ok), "poor");
        await AssertUnchangedAsync(limited, HttpStatusCode.TooManyRequests, "rate_limit_exceeded", Chat(FakeMode.Ok), "acme");

        async Task AssertUnchangedAsync(Tenant caller, HttpStatusCode status, string code, object body, string customer)
        {
            Outcome outcome = await SendAsync(fixture, caller, body, Customer(customer));
            Assert.Equal(status, outcome.Status);
            Assert.Equal(code, outcome.ErrorCode);
            Assert.Null(await RowAsync(fixture.Database, outcome.RequestId));
            Scopes after = await ScopesAsync(owner, ownerKeyId, limitedKeyId);
            Assert.Equal(before, after);
            Assert.Equal(0, after.Credits.Reserved);
            Assert.All(new[] { after.Organization, after.Team, after.OwnerKey, after.LimitedKey, after.Customer, after.Poor }, b => Assert.Equal(0, b.Reserved));
        }
    }

    private static Action<HttpRequestMessage> Customer(string id) => request => request.Headers.Add("x-nemo-customer-id", id);

    private async Task PutBudgetAsync(Tenant owner, string scope, decimal limit)
    {
        using HttpResponseMessage put = await fixture.Host.Client.SendAsync(owner.Request(HttpMethod.Put, $"/v1/budgets/{scope}", new { limit, period = "daily" }));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
    }

    private async Task<Scopes> ScopesAsync(Tenant owner, Guid ownerKeyId, Guid limitedKeyId)
    {
        OrganizationCalls cluster = fixture.Host.Get<OrganizationCalls>();
        Guid org = owner.OrganizationId;
        Task<BudgetView> Budget(BudgetScopeKind kind, string id) => cluster.GetBudgetAsync(org, new BudgetScope(kind, id), CancellationToken.None).AsTask();
        return new Scopes(
            await cluster.GetCreditsAsync(org, CancellationToken.None),
            await Budget(BudgetScopeKind.Organization, org.ToString()),
            await Budget(BudgetScopeKind.Team, owner.TeamId.ToString()),
            await Budget(BudgetScopeKind.Key, ownerKeyId.ToString()),
            await Budget(BudgetScopeKind.Key, limitedKeyId.ToString()),
            await Budget(BudgetScopeKind.Customer, "acme"),
            await Budget(BudgetScopeKind.Customer, "poor"));
    }
}
