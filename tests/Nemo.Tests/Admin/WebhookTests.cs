using System.Text.Json;
using Nemo.Gateway.Notifications;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>
/// Soft-threshold notifications, written by the budget grain, delivered to the organization's webhook on
/// a real local HTTP listener: signed with the organization's secret, retried after a failure.
/// </summary>
public sealed class WebhookTests(WebhookTests.FastWebhooks fixture) : IClassFixture<WebhookTests.FastWebhooks>, IAsyncLifetime
{
    /// <summary>Polls the outbox every 100 ms and retries after 200 ms, so the tests wait for events, not minutes.</summary>
    public sealed class FastWebhooks : NemoHostFixture
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Nemo:Webhooks:PollInterval"] = "00:00:00.100",
            ["Nemo:Webhooks:RetryBaseDelay"] = "00:00:00.200",
        };
    }

    private WebhookReceiver _receiver = null!;

    private HttpClient Client => fixture.Host.Client;

    public async ValueTask InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    /// <summary>An organization with a webhook and a budget whose 10 % threshold one small request crosses.</summary>
    private async Task<(AdminWorld World, string Secret, string Hook)> ArmedAsync(int failFirst)
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        string hook = Guid.NewGuid().ToString("N");
        (int status, JsonElement org, string text) = await Client.SendAsync(HttpMethod.Patch, "/v1/organization", world.Owner.Key,
            new { webhook_url = _receiver.Endpoint(hook, failFirst) });
        Assert.True(status == 200, text);
        (status, _, text) = await Client.SendAsync(HttpMethod.Put, $"/v1/budgets/organization/{world.OrganizationId}", world.Admin.Key,
            new { limit = 0.00002, period = "monthly", soft_thresholds = new[] { 10 } });
        Assert.True(status == 200, text);
        (status, _, text) = await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", world.Member.Key, AdminHttp.Chat());
        Assert.True(status == 200, text);
        return (world, org.GetProperty("webhook_secret").GetString()!, hook);
    }

    [Fact]
    public async Task ThresholdCrossed_IsDeliveredSigned_WithTheNotification()
    {
        (AdminWorld world, string secret, string hook) = await ArmedAsync(failFirst: 0);

        WebhookReceiver.Delivery delivery = await _receiver.NextAsync(hook);

        Assert.True(WebhookSignature.Verify(secret, delivery.Headers["x-nemo-signature"], delivery.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)),
            $"signature {delivery.Headers["x-nemo-signature"]} does not verify");
        Assert.False(WebhookSignature.Verify("whsec_wrong", delivery.Headers["x-nemo-signature"], delivery.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.Equal("budget.threshold_crossed", delivery.Headers["x-nemo-event"]);
        using JsonDocument body = JsonDocument.Parse(delivery.Body);
        Assert.Equal("budget.threshold_crossed", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(world.OrganizationId, body.RootElement.GetProperty("organization_id").GetGuid());
        JsonElement data = body.RootElement.GetProperty("data");
        Assert.Equal("organization", data.GetProperty("scope").GetString());
        Assert.Equal(10, data.GetProperty("threshold_percent").GetInt32());
        Assert.Equal(0.00002m, data.GetProperty("limit").GetDecimal());
        await Eventually.TrueAsync(() => fixture.Database.ScalarAsync<bool>(
            "SELECT delivered_at IS NOT NULL FROM nemo.notifications WHERE organization_id = @org", ("org", world.OrganizationId)), "the delivery to be recorded");
    }

    [Fact]
    public async Task AFailedDelivery_IsRetried_UntilTheEndpointAcceptsIt()
    {
        (AdminWorld world, string secret, string hook) = await ArmedAsync(failFirst: 1);

        WebhookReceiver.Delivery first = await _receiver.NextAsync(hook);
        WebhookReceiver.Delivery second = await _receiver.NextAsync(hook);

        Assert.Equal("1", first.Headers["x-nemo-attempt"]);
        Assert.Equal("2", second.Headers["x-nemo-attempt"]);
        Assert.Equal(first.Headers["x-nemo-delivery"], second.Headers["x-nemo-delivery"]);
        Assert.True(WebhookSignature.Verify(secret, second.Headers["x-nemo-signature"], second.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        await Eventually.TrueAsync(() => fixture.Database.ScalarAsync<bool>(
            "SELECT delivered_at IS NOT NULL AND attempts = 2 FROM nemo.notifications WHERE organization_id = @org", ("org", world.OrganizationId)),
            "the second attempt to be recorded as delivered");
    }

    [Fact]
    public async Task WithoutAWebhookUrl_TheNotificationIsMarkedFailed_NotKeptForever()
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        await fixture.Database.ExecuteAsync("INSERT INTO nemo.notifications (organization_id, kind, dedupe_key, payload) VALUES (@org, 'budget.threshold_crossed', @d, '{}')",
            ("org", world.OrganizationId), ("d", Guid.NewGuid().ToString()));
        await Eventually.TrueAsync(() => fixture.Database.ScalarAsync<bool>(
            "SELECT failed_at IS NOT NULL AND last_error = 'no webhook URL configured' FROM nemo.notifications WHERE organization_id = @org", ("org", world.OrganizationId)),
            "the notification to be marked failed");
    }
}
