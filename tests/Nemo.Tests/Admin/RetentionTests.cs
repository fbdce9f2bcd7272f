using Nemo.Gateway.Retention;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>The retention job: detail older than each organization's setting goes, spend totals stay; a deleted organization's detail all goes.</summary>
public sealed class RetentionTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private HttpClient Client => fixture.Host.Client;

    private Task<long> CountAsync(string table, Guid organization) =>
        fixture.Database.ScalarAsync<long>($"SELECT count(*) FROM nemo.{table} WHERE organization_id = @org", ("org", organization));

    private async Task<RetentionReport> RunAsync()
    {
        RetentionReport report = await fixture.Host.Get<RetentionService>().RunOnceAsync(CancellationToken.None);
        for (int i = 0; i < 50 && !report.Ran; i++) // the hosted sweep may hold the lock for a moment
        {
            await Task.Delay(20);
            report = await fixture.Host.Get<RetentionService>().RunOnceAsync(CancellationToken.None);
        }
        Assert.True(report.Ran);
        return report;
    }

    [Fact]
    public async Task Purge_RemovesDetailOlderThanTheSetting_KeepsNewerDetailAndAllSpendTotals()
    {
        AdminWorld w = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Patch, "/v1/organization", w.Owner.Key, new { data_retention_days = 30 })).Status);
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", w.Member.Key, AdminHttp.Chat())).Status); // now: kept
        DateTimeOffset now = DateTimeOffset.UtcNow;
        await UsageSeed.InsertAsync(fixture.Database, w.OrganizationId,
            new(w.Owner.KeyId, w.Owner.UserId, w.DefaultTeamId, null, "gpt-4o-mini", 1, 1, 5, now.AddDays(-31)),
            new(w.Owner.KeyId, w.Owner.UserId, w.DefaultTeamId, null, "gpt-4o-mini", 1, 1, 5, now.AddDays(-29)));
        await fixture.Database.ExecuteAsync(
            "INSERT INTO nemo.unsettled_reservations (request_id, organization_id, reserved_cost, expired_at, recorded_at) VALUES (@id, @org, 1, now(), now() - interval '40 days')",
            ("id", Guid.NewGuid()), ("org", w.OrganizationId));
        await fixture.Database.ExecuteAsync(
            "UPDATE nemo.request_contents SET recorded_at = now() - interval '31 days' WHERE request_id = @id", ("id", w.ContentRequestId));
        Guid recent = Guid.NewGuid();
        await fixture.Database.ExecuteAsync(
            "INSERT INTO nemo.request_contents VALUES (@id, @org, now() - interval '29 days', 'kept', 'kept', false, false)", ("id", recent), ("org", w.OrganizationId));
        long daily = await CountAsync("usage_daily", w.OrganizationId);

        await RunAsync();

        Assert.Equal(2L, await CountAsync("usage_events", w.OrganizationId));
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org AND occurred_at < now() - interval '30 days'", ("org", w.OrganizationId)));
        Assert.Equal(0L, await CountAsync("unsettled_reservations", w.OrganizationId));
        Assert.Equal(recent, await fixture.Database.ScalarAsync<Guid>("SELECT request_id FROM nemo.request_contents WHERE organization_id = @org", ("org", w.OrganizationId)));
        Assert.Equal(daily, await CountAsync("usage_daily", w.OrganizationId));
        (int status, System.Text.Json.JsonElement credits, _) = await Client.SendAsync(HttpMethod.Get, "/v1/credits", w.Owner.Key);
        Assert.Equal(200, status);
        Assert.True(credits.GetProperty("spent").GetDecimal() > 0);
    }

    [Fact]
    public async Task Purge_ADeletedOrganizationsDetailAndTotals()
    {
        AdminWorld w = await AdminWorld.CreateAsync(Client, fixture.Database, credits: 1m);
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Post, "/v1/chat/completions", w.Member.Key, AdminHttp.Chat())).Status);
        Assert.Equal(200, (await Client.SendAsync(HttpMethod.Delete, "/v1/organization", w.Owner.Key, new { confirm = w.Slug })).Status);

        await RunAsync();

        Assert.Equal(0L, await CountAsync("usage_events", w.OrganizationId));
        Assert.Equal(0L, await CountAsync("usage_daily", w.OrganizationId));
        Assert.Equal(1L, await CountAsync("credit_transactions", w.OrganizationId));
    }
}
