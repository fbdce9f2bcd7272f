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
    /// <summary>
    /// Polls the outbox every 100 ms and retries after 200 ms, so the tests wait for events, not minutes;
    /// the receiver listens on 127.0.0.1 over plain http, which the operator must allow explicitly.
    /// </summary>
    public sealed class FastWebhooks : NemoHostFixture
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Nemo:Webhooks:PollInterval"] = "00:00:00.100",
            ["Nemo:Webhooks:RetryBaseDelay"] = "00:00:00.200",
            ["Nemo:Webhooks:AllowedHosts:0"] = "127.0.0.1",
        };
    }

    private WebhookReceiver _receiver = null!;

    private HttpClient Client => fixture.Host.Client;

    public async ValueTask InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    /// <summary>An organization with a webhook and a budget whose 10 % threshold one small request crosses.</summary>
    private Task<(AdminWorld World, string Secret, string Hook)> ArmedAsync(int failFirst)
    {
        string hook = Guid.NewGuid().ToString("N");
        return ArmedAsync(hook, _receiver.Endpoint(hook, failFirst));
    }

    private async Task<(AdminWorld World, string Secret, string Hook)> ArmedAsync(string hook, string url)
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        (int status, JsonElement org, string text) = await Client.SendAsync(HttpMethod.Patch, "/v1/organization", world.Owner.Key,
            new { webhook_url = url });
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

    [Theory]
    [InlineData("http://example.com/hook")]                       // plain http to a host the operator didn't list
    [InlineData("http://localhost/hook")]
    [InlineData("https://127.0.0.2/hook")]                        // loopback (only 127.0.0.1 is listed)
    [InlineData("https://10.0.0.5/hook")]
    [InlineData("https://192.168.1.10/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data/")]    // cloud metadata
    [InlineData("https://[::1]/hook")]
    [InlineData("https://[fd00:ec2::254]/hook")]
    [InlineData("https://user:pw@example.com/hook")]
    public async Task WebhookUrl_NotHttpsOrNotPublic_IsRefused_AndNothingChanges(string url)
    {
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        string before = await world.FingerprintAsync(fixture.Database);

        (int status, JsonElement body, string text) = await Client.SendAsync(HttpMethod.Patch, "/v1/organization", world.Owner.Key, new { webhook_url = url });

        Assert.True(status == 400, text);
        Assert.Equal("invalid_value", body.Code());
        Assert.Equal("webhook_url", body.Error().GetProperty("param").GetString());
        Assert.Equal(before, await world.FingerprintAsync(fixture.Database));
    }

    [Fact]
    public async Task AHostResolvingToLoopback_IsRefusedAtDelivery_UnlessListed()
    {
        // "localhost" passes the URL check (a name, https) but resolves to loopback, which only the
        // operator's allow-list could permit: the connection is refused after resolution, nothing arrives.
        string hook = Guid.NewGuid().ToString("N");
        string url = _receiver.Endpoint(hook).Replace("http://127.0.0.1:", "https://localhost:", StringComparison.Ordinal);
        (AdminWorld world, _, _) = await ArmedAsync(hook, url);

        await Eventually.TrueAsync(() => fixture.Database.ScalarAsync<bool>(
            "SELECT coalesce(bool_or(last_error LIKE '%not a public address%'), false) FROM nemo.notifications WHERE organization_id = @org",
            ("org", world.OrganizationId)), "the delivery to be refused after resolving localhost");
        Assert.True(await fixture.Database.ScalarAsync<bool>(
            "SELECT bool_and(delivered_at IS NULL) FROM nemo.notifications WHERE organization_id = @org", ("org", world.OrganizationId)));
        Assert.False(_receiver.TryTake(hook, out _), "the receiver got a delivery the target check should have refused");
    }

    [Fact]
    public async Task AStoredHttpUrl_OfAnUnlistedHost_IsNotCalled()
    {
        // A URL saved before the rules (or removed from the allow-list since) is checked again on delivery.
        AdminWorld world = await AdminWorld.CreateAsync(Client, fixture.Database);
        string hook = Guid.NewGuid().ToString("N");
        string url = _receiver.Endpoint(hook).Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        await fixture.Database.ExecuteAsync("UPDATE nemo.organizations SET webhook_url = @url, webhook_secret = 'whsec_x' WHERE id = @org",
            ("url", url), ("org", world.OrganizationId));
        await fixture.Database.ExecuteAsync("INSERT INTO nemo.notifications (organization_id, kind, dedupe_key, payload) VALUES (@org, 'budget.threshold_crossed', @d, '{}')",
            ("org", world.OrganizationId), ("d", Guid.NewGuid().ToString()));

        await Eventually.TrueAsync(() => fixture.Database.ScalarAsync<bool>(
            "SELECT coalesce(last_error LIKE 'refused: webhook_url must use https%', false) FROM nemo.notifications WHERE organization_id = @org",
            ("org", world.OrganizationId)), "the delivery to be refused");
        Assert.False(_receiver.TryTake(hook, out _));
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("192.168.0.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.100.100.200", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00:ec2::254", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("::ffff:169.254.169.254", false)]
    [InlineData("64:ff9b::a00:1", false)]
    [InlineData("8.8.8.8", true)]
    [InlineData("172.32.0.1", true)]
    [InlineData("2606:4700:4700::1111", true)]
    public void IsPublic_RefusesLoopbackPrivateLinkLocalAndMetadata(string address, bool expected) =>
        Assert.Equal(expected, WebhookTargets.IsPublic(System.Net.IPAddress.Parse(address)));
}
