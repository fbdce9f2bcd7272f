using System.Diagnostics;
using System.Net;
using Nemo.Tests.Infrastructure;
using Npgsql;

namespace Nemo.Tests.Telemetry;

/// <summary>
/// <c>/readyz</c> follows what the node needs to serve: it turns not-ready within 5 s of PostgreSQL
/// going away and ready again once it returns, and it reports a usage ledger that can't commit. Run alone
/// (the cluster collection), so that the 5 s bound measures Nemo, not a machine busy with other tests.
/// </summary>
[Collection(Cluster.ClusterCollection.Name)]
public sealed class ReadinessTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();
    private NemoTestHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        await _database.InitializeAsync();
        _host = await NemoTestHost.StartAsync(_database.ConnectionString, new Dictionary<string, string?>
        {
            ["Nemo:Cluster:CallDeadline"] = "00:00:03",
            ["Nemo:Cluster:ResponseTimeout"] = "00:00:01",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await SetConnectionsAllowedAsync(true);
        await _host.DisposeAsync();
        await _database.DisposeAsync();
    }

    /// <summary>/readyz's answer; status 0 if none came within 5 s (a probe would count that as a failure too).</summary>
    private async Task<(HttpStatusCode Status, string Body)> ReadyzAsync()
    {
        using var client = new HttpClient { BaseAddress = new Uri(_host.GatewayUrl), Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using HttpResponseMessage response = await client.GetAsync("/readyz");
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (TaskCanceledException)
        {
            return (0, "no answer within 5 s");
        }
    }

    /// <summary>Polls /readyz until <paramref name="until"/> holds; returns how long that took and the last answer.</summary>
    private async Task<(TimeSpan Took, HttpStatusCode Status, string Body)> PollAsync(Func<HttpStatusCode, string, bool> until, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        (HttpStatusCode status, string body) = await ReadyzAsync();
        while (!until(status, body) && clock.Elapsed < limit)
        {
            await Task.Delay(100);
            (status, body) = await ReadyzAsync();
        }
        return (clock.Elapsed, status, body);
    }

    private async Task SetConnectionsAllowedAsync(bool allowed)
    {
        await using var admin = new NpgsqlConnection(Environment.GetEnvironmentVariable("NEMO_TEST_POSTGRES"));
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand(allowed
            ? $"ALTER DATABASE {_database.Name} WITH ALLOW_CONNECTIONS true"
            : $"ALTER DATABASE {_database.Name} WITH ALLOW_CONNECTIONS false; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{_database.Name}'", admin);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task PostgresStops_NotReadyWithin5Seconds_ReadyAgainAfterItReturns()
    {
        Assert.Equal((HttpStatusCode.OK, "ready"), await ReadyzAsync());
        await Task.Delay(TimeSpan.FromSeconds(1)); // a settled node, not one still finishing its start

        await SetConnectionsAllowedAsync(false);
        (TimeSpan notReadyAfter, HttpStatusCode status, string body) = await PollAsync((s, _) => s == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10));
        TestContext.Current.TestOutputHelper!.WriteLine($"not ready {notReadyAfter.TotalSeconds:F2} s after PostgreSQL went away: {body}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.True(notReadyAfter < TimeSpan.FromSeconds(5), $"not ready only after {notReadyAfter}");
        Assert.Contains("postgresql:", body);

        await Task.Delay(TimeSpan.FromSeconds(2));
        await SetConnectionsAllowedAsync(true);
        (TimeSpan readyAfter, status, body) = await PollAsync((s, _) => s == HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        TestContext.Current.TestOutputHelper!.WriteLine($"ready {readyAfter.TotalSeconds:F2} s after PostgreSQL returned");
        Assert.Equal((HttpStatusCode.OK, "ready"), (status, body));
    }

    [Fact]
    public async Task LedgerCannotCommit_NotReadyWithTheLedgerNamed_ReadyOnceItCommitsAgain()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 10m);
        object chat = new { model = "gpt-4o-mini", max_tokens = 8, messages = new[] { new { role = "user", content = "hi" } } };
        using (HttpResponseMessage warm = await _host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", chat)))
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);

        // The ledger's table is away: PostgreSQL still answers, but no usage event can be committed.
        await _database.AdminExecuteAsync("ALTER TABLE nemo.usage_events RENAME TO usage_events_away");
        Task<HttpResponseMessage> stuck = _host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", chat));
        (_, HttpStatusCode status, string body) = await PollAsync((_, b) => b.Contains("ledger:"), TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("ledger: the last usage-ledger commit failed", body);
        Assert.DoesNotContain("postgresql:", body);
        using (HttpResponseMessage withheld = await stuck)
            Assert.Equal(HttpStatusCode.ServiceUnavailable, withheld.StatusCode); // no response without its durable settle

        await _database.AdminExecuteAsync("ALTER TABLE nemo.usage_events_away RENAME TO usage_events");
        using (HttpResponseMessage again = await _host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", chat)))
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal((HttpStatusCode.OK, "ready"), await ReadyzAsync());
    }
}
