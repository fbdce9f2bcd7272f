using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Nemo.Gateway.Payments;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>
/// A payment provider that records every charge and refund it is asked for, and settles each after a
/// pause (a real provider takes a network round trip), so that concurrent purchases overlap inside it.
/// Its references are unique per charge, so a duplicate charge can't hide behind an equal reference.
/// </summary>
public sealed class RecordingPaymentProvider : IPaymentProvider
{
    private long _sequence;

    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(300);

    public ConcurrentQueue<(PaymentRequest Request, string Reference)> Charges { get; } = new();

    public ConcurrentQueue<string> Refunds { get; } = new();

    public List<(PaymentRequest Request, string Reference)> ChargesOf(Guid organization) =>
        Charges.Where(c => c.Request.OrganizationId == organization).ToList();

    public async Task<PaymentResult> ChargeAsync(PaymentRequest request, CancellationToken cancellationToken)
    {
        string reference = $"rec_{Interlocked.Increment(ref _sequence)}";
        Charges.Enqueue((request, reference)); // counted when asked, before the pause: a charge started is a charge
        await Task.Delay(Latency, CancellationToken.None);
        return PaymentResult.Settled(reference);
    }

    public Task RefundAsync(string reference, CancellationToken cancellationToken)
    {
        Refunds.Enqueue(reference);
        return Task.CompletedTask;
    }
}

public sealed class RecordingPaymentsFixture : NemoHostFixture
{
    public RecordingPaymentProvider Payments { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IPaymentProvider>(Payments);
}

/// <summary>
/// Credit purchases observed on the payment side: exactly one charge per purchase, for credits plus fee,
/// matching the ledger row, and none more for a retried or concurrent purchase with the same Idempotency-Key.
/// </summary>
public sealed class PaymentSideTests(RecordingPaymentsFixture fixture) : IClassFixture<RecordingPaymentsFixture>
{
    private HttpClient Client => fixture.Host.Client;

    private RecordingPaymentProvider Payments => fixture.Payments;

    private async Task<AdminWorld> PaygWorldAsync()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        await fixture.Database.ExecuteAsync("UPDATE nemo.organizations SET plan = 'payg' WHERE id = @org", ("org", world.OrganizationId));
        return world;
    }

    private async Task<(int Status, JsonElement Body, string Text)> PurchaseAsync(AdminWorld world, decimal amount, string? idempotencyKey)
    {
        using HttpRequestMessage request = AdminHttp.Request(HttpMethod.Post, "/v1/credits/purchase", world.Owner.Key, new { amount });
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        using HttpResponseMessage response = await Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        if (!text.StartsWith('{'))
            return ((int)response.StatusCode, default, text);
        using JsonDocument document = JsonDocument.Parse(text);
        return ((int)response.StatusCode, document.RootElement.Clone(), text);
    }

    private Task<long> PurchasedNanosAsync(Guid organization) =>
        fixture.Database.ScalarAsync<long>("SELECT credits_purchased FROM nemo.organizations WHERE id = @org", ("org", organization));

    private Task<long> LedgerPurchasesAsync(Guid organization) =>
        fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.credit_transactions WHERE organization_id = @org AND kind = 'purchase'", ("org", organization));

    private void AssertNoRefundOf(IEnumerable<(PaymentRequest Request, string Reference)> charges)
    {
        foreach ((_, string reference) in charges)
            Assert.DoesNotContain(reference, Payments.Refunds);
    }

    [Fact]
    public async Task EachPurchase_IsExactlyOneCharge_ForCreditsPlusFee_MatchingTheLedger()
    {
        AdminWorld world = await PaygWorldAsync();

        (int status, JsonElement first, string text) = await PurchaseAsync(world, 100m, idempotencyKey: null);
        Assert.True(status == 201, text);
        var charges = Payments.ChargesOf(world.OrganizationId);
        (PaymentRequest charged, string reference) = Assert.Single(charges);
        Assert.Equal(100_000_000_000L, charged.CreditsNanos);
        Assert.Equal(4_000_000_000L, charged.FeeNanos); // payg: 4 % on top
        Assert.Equal(104_000_000_000L, charged.TotalNanos);
        Assert.Equal(reference, first.GetProperty("purchase").GetProperty("payment_reference").GetString());
        Assert.Equal(reference, await fixture.Database.ScalarAsync<string>(
            "SELECT payment_reference FROM nemo.credit_transactions WHERE organization_id = @org AND kind = 'purchase'", ("org", world.OrganizationId)));

        // A second purchase (no key: a new purchase) is a second charge, and only one more.
        (status, _, text) = await PurchaseAsync(world, 10m, idempotencyKey: null);
        Assert.True(status == 201, text);
        charges = Payments.ChargesOf(world.OrganizationId);
        Assert.Equal(2, charges.Count);
        Assert.Equal(10_400_000_000L, charges[1].Request.TotalNanos);
        Assert.NotEqual(charges[0].Request.IdempotencyKey, charges[1].Request.IdempotencyKey);
        AssertNoRefundOf(charges);
        Assert.Equal(110_000_000_000L, await PurchasedNanosAsync(world.OrganizationId));
        Assert.Equal(2L, await LedgerPurchasesAsync(world.OrganizationId));
    }

    [Fact]
    public async Task RetriedPurchase_WithTheSameIdempotencyKey_IsChargedOnce()
    {
        AdminWorld world = await PaygWorldAsync();
        string key = $"order-{Guid.NewGuid():N}";

        (int status, JsonElement first, string text) = await PurchaseAsync(world, 25m, key);
        Assert.True(status == 201, text);
        (status, JsonElement retried, text) = await PurchaseAsync(world, 25m, key);
        Assert.True(status == 200, text);
        Assert.True(retried.GetProperty("purchase").GetProperty("replayed").GetBoolean(), text);

        (PaymentRequest charged, string reference) = Assert.Single(Payments.ChargesOf(world.OrganizationId));
        Assert.Equal(key, charged.IdempotencyKey);
        Assert.Equal(26_000_000_000L, charged.TotalNanos);
        Assert.Equal(reference, first.GetProperty("purchase").GetProperty("payment_reference").GetString());
        Assert.Equal(reference, retried.GetProperty("purchase").GetProperty("payment_reference").GetString());
        AssertNoRefundOf([(charged, reference)]);
        Assert.Equal(25_000_000_000L, await PurchasedNanosAsync(world.OrganizationId));
        Assert.Equal(1L, await LedgerPurchasesAsync(world.OrganizationId));

        // Another key is another purchase: the recorder does see a second charge.
        (status, _, text) = await PurchaseAsync(world, 25m, key + "-b");
        Assert.True(status == 201, text);
        Assert.Equal(2, Payments.ChargesOf(world.OrganizationId).Count);
    }

    [Fact]
    public async Task ConcurrentPurchases_WithTheSameIdempotencyKey_AreChargedOnce()
    {
        AdminWorld world = await PaygWorldAsync();
        string key = $"order-{Guid.NewGuid():N}";
        using var start = new SemaphoreSlim(0);

        Task<(int Status, JsonElement Body, string Text)>[] purchases = Enumerable.Range(0, 4).Select(async _ =>
        {
            await start.WaitAsync();
            return await PurchaseAsync(world, 40m, key);
        }).ToArray();
        start.Release(purchases.Length);
        (int Status, JsonElement Body, string Text)[] results = await Task.WhenAll(purchases);

        var charges = Payments.ChargesOf(world.OrganizationId);
        Assert.True(charges.Count == 1, $"{charges.Count} charges for one purchase; answers: {string.Join(" | ", results.Select(r => $"{r.Status} {r.Text}"))}");
        (PaymentRequest charged, string reference) = charges[0];
        Assert.All(results, r => Assert.True(r.Status is 200 or 201, r.Text));
        Assert.Single(results, r => r.Status == 201);
        Assert.Equal(41_600_000_000L, charged.TotalNanos);
        Assert.All(results, r => Assert.Equal(reference, r.Body.GetProperty("purchase").GetProperty("payment_reference").GetString()));
        AssertNoRefundOf([(charged, reference)]);
        Assert.Equal(40_000_000_000L, await PurchasedNanosAsync(world.OrganizationId));
        Assert.Equal(1L, await LedgerPurchasesAsync(world.OrganizationId));
    }
}
