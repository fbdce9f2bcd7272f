using System.Text.Json;
using Nemo.Grains.Contracts;
using Nemo.Cluster.Calls;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>Credits and billing: purchases with the plan's fee on top and the credits in full, idempotency, plan changes.</summary>
public sealed class CreditsBillingTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    private Task<CreditsView> CreditsAsync(Guid organization) =>
        fixture.Host.Get<OrganizationCalls>().GetCreditsAsync(organization, CancellationToken.None).AsTask();

    [Theory]
    [InlineData("payg", "100", "4", "104")]
    [InlineData("tier2", "100", "2", "102")]
    [InlineData("tier3", "100", "0", "100")]
    [InlineData("payg", "0.000000001", "0.000000001", "0.000000002")] // 4 % of one nano rounds up to one nano
    public async Task Purchase_ChargesThePlansFeeOnTop_AndCreditsInFull(string plan, string amount, string fee, string total)
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        await fixture.Database.ExecuteAsync("UPDATE nemo.organizations SET plan = @plan WHERE id = @org", ("plan", plan), ("org", world.OrganizationId));
        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Post, "/v1/credits/purchase", world.Owner.Key, $"{{\"amount\":{amount}}}");
        Assert.True(status == 201, text);
        JsonElement purchase = body.GetProperty("purchase");
        Assert.Equal(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), purchase.GetProperty("amount").GetDecimal());
        Assert.Equal(decimal.Parse(fee, System.Globalization.CultureInfo.InvariantCulture), purchase.GetProperty("fee").GetDecimal());
        Assert.Equal(decimal.Parse(total, System.Globalization.CultureInfo.InvariantCulture), purchase.GetProperty("total_charged").GetDecimal());
        Assert.Equal(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), body.GetProperty("credits").GetProperty("balance").GetDecimal());
        Assert.Equal(Nemo.Grains.Money.Usd.ToNanos(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)), (await CreditsAsync(world.OrganizationId)).Purchased);
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM nemo.credit_transactions WHERE organization_id = @org AND kind = 'purchase' AND payment_reference LIKE 'dev_%'", ("org", world.OrganizationId)));
    }

    [Fact]
    public async Task Purchase_EnterpriseUsesTheOperatorsCustomFee()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database); // enterprise
        (int status, _, string text) = await Client.SendAsync(HttpMethod.Patch, $"/v1/admin/organizations/{world.OrganizationId}", NemoTestHost.MasterKey, new { fee_basis_points = 150 });
        Assert.True(status == 200, text);
        (status, JsonElement body, text) = await Client.SendAsync(HttpMethod.Post, "/v1/credits/purchase", world.Owner.Key, new { amount = 200 });
        Assert.True(status == 201, text);
        Assert.Equal(3m, body.GetProperty("purchase").GetProperty("fee").GetDecimal());
        Assert.Equal(1.5m, body.GetProperty("purchase").GetProperty("fee_percent").GetDecimal());
    }

    [Fact]
    public async Task Purchase_WithTheSameIdempotencyKey_IsChargedAndCreditedOnce()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        for (int i = 0; i < 2; i++)
        {
            using HttpRequestMessage request = AdminHttp.Request(HttpMethod.Post, "/v1/credits/purchase", world.Owner.Key, new { amount = 25 });
            request.Headers.Add("Idempotency-Key", "order-42");
            using HttpResponseMessage response = await Client.SendAsync(request);
            Assert.Equal(i == 0 ? 201 : 200, (int)response.StatusCode);
        }
        Assert.Equal(25_000_000_000L, (await CreditsAsync(world.OrganizationId)).Purchased);
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.credit_transactions WHERE organization_id = @org AND kind = 'purchase'", ("org", world.OrganizationId)));
    }

    [Fact]
    public async Task Billing_PlanChangeByTheOwner_ReachesTheOrganizationGrain_EnterpriseIsTheOperators()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        (int status, JsonElement billing, string text) = await Client.SendAsync(HttpMethod.Patch, "/v1/billing", world.Owner.Key, new { plan = "payg" });
        Assert.True(status == 200, text);
        Assert.Equal("payg", billing.GetProperty("plan").GetString());
        Assert.Equal(4m, billing.GetProperty("fee_percent").GetDecimal());
        Assert.Equal(10_000, billing.GetProperty("rate_limits").GetProperty("rpm").GetInt64());
        Assert.Equal("plan", billing.GetProperty("rate_limits").GetProperty("source").GetString());
        (status, JsonElement purchase, _) = await Client.SendAsync(HttpMethod.Post, "/v1/credits/purchase", world.Owner.Key, new { amount = 50 });
        Assert.Equal(2m, purchase.GetProperty("purchase").GetProperty("fee").GetDecimal()); // the new plan's fee applies at once
        (status, JsonElement refused, _) = await Client.SendAsync(HttpMethod.Patch, "/v1/billing", world.Owner.Key, new { plan = "enterprise" });
        Assert.Equal(400, status);
        Assert.Equal("plan", refused.Error().GetProperty("param").GetString());
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM nemo.audit_log WHERE organization_id = @org AND action = 'billing.plan_change' AND before->>'plan' = 'enterprise' AND after->>'plan' = 'payg'",
            ("org", world.OrganizationId)));
        Assert.Contains("recent_transactions", billing.GetRawText());
    }

    [Fact]
    public async Task Credits_ShowBalanceReservedSpentPurchased_InUsd()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 2.5m);
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, AdminHttp.Chat())).Status);
        (int status, JsonElement credits, _) = await Client.SendAsync(HttpMethod.Get, "/v1/credits", world.Viewer.Key);
        Assert.Equal(200, status);
        decimal spent = credits.GetProperty("spent").GetDecimal();
        Assert.True(spent > 0);
        Assert.Equal(2.5m, credits.GetProperty("purchased").GetDecimal());
        Assert.Equal(2.5m - spent - credits.GetProperty("reserved").GetDecimal(), credits.GetProperty("balance").GetDecimal());
        Assert.Equal("USD", credits.GetProperty("currency").GetString());
    }
}
