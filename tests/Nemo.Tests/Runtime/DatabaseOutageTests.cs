using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Nemo.FakeUpstream;
using Nemo.Tests.Infrastructure;
using Npgsql;

namespace Nemo.Tests.Runtime;

/// <summary>
/// docs/OPERATIONS.md "When PostgreSQL is unreachable": admissions continue from memory only until the
/// activation's fencing lease runs out (Nemo:Fencing:LeaseDuration after the last confirmed epoch),
/// then requests fail closed; no response completes without its durable settle; service resumes by itself.
/// </summary>
public sealed class DatabaseOutageTests : IAsyncLifetime
{
    private readonly TestDatabase _database = new();
    private NemoTestHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        await _database.InitializeAsync();
        _host = await NemoTestHost.StartAsync(_database.ConnectionString, new Dictionary<string, string?>
        {
            ["Nemo:Cluster:CallDeadline"] = "00:00:02",
            ["Nemo:Cluster:ResponseTimeout"] = "00:00:01",
            ["Nemo:Fencing:LeaseDuration"] = "00:00:01",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await SetConnectionsAllowedAsync(true);
        await _host.DisposeAsync();
        await _database.DisposeAsync();
    }

    private Task SetConnectionsAllowedAsync(bool allowed) => _database.SetConnectionsAllowedAsync(allowed);

    [Fact]
    public async Task Outage_AdmissionsStopWithinLeaseBound_NoResponseWithoutDurableSettle_ThenRecovers()
    {
        Tenant tenant = await Tenant.CreateAsync(_host.Client, credits: 10m);
        object body = new { model = "gpt-4o-mini", max_tokens = 8, messages = new[] { new { role = "user", content = "hi" } } };
        var outcomes = new ConcurrentQueue<(TimeSpan Started, TimeSpan Ended, HttpStatusCode Status, Guid RequestId)>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        Task load = Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                TimeSpan started = clock.Elapsed;
                using HttpResponseMessage response = await _host.Client.SendAsync(tenant.Request(HttpMethod.Post, "/v1/chat/completions", body));
                outcomes.Enqueue((started, clock.Elapsed, response.StatusCode, Guid.Parse(response.Headers.GetValues("x-nemo-request-id").Single())));
            }
        }));
        FakeUpstreamStats upstream = (FakeUpstreamStats)_host.Upstream.Services.GetService(typeof(FakeUpstreamStats))!;

        await Task.Delay(TimeSpan.FromSeconds(1));
        TimeSpan cut = clock.Elapsed;
        await SetConnectionsAllowedAsync(false);
        await Task.Delay(TimeSpan.FromSeconds(3)); // past the fencing lease (1 s) plus slack
        long upstreamAtBound = upstream.ChatCompletions;
        await Task.Delay(TimeSpan.FromSeconds(3));
        long upstreamBeforeRestore = upstream.ChatCompletions;
        TimeSpan restored = clock.Elapsed;
        await SetConnectionsAllowedAsync(true);
        var recovery = Stopwatch.StartNew();
        while (!outcomes.Any(o => o.Started > restored && o.Status == HttpStatusCode.OK) && recovery.Elapsed < TimeSpan.FromSeconds(20))
            await Task.Delay(50);
        await stop.CancelAsync();
        await load;

        // Admissions stopped within the bound: nothing reached the provider in the second half of the outage.
        Assert.Equal(upstreamAtBound, upstreamBeforeRestore);
        // Fail closed: no response completed during the outage (a settle needs the database).
        Assert.DoesNotContain(outcomes, o => o.Status == HttpStatusCode.OK && o.Ended > cut + TimeSpan.FromMilliseconds(500) && o.Ended < restored);
        Assert.Contains(outcomes, o => o.Status == HttpStatusCode.ServiceUnavailable);
        // Every completed response has its usage event; service resumed by itself.
        Guid[] ok = outcomes.Where(o => o.Status == HttpStatusCode.OK).Select(o => o.RequestId).ToArray();
        // As the superuser, on a pool of its own: the owner's pool (shared with Orleans' providers, which
        // use the same connection string) may still hold a session the outage terminated.
        Assert.Equal(ok.Length, (int)await _database.AdminScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE request_id = ANY(@ids)", ("ids", ok)));
        Assert.Contains(outcomes, o => o.Started > restored && o.Status == HttpStatusCode.OK);
        TestContext.Current.TestOutputHelper!.WriteLine(
            $"outage: {outcomes.Count(o => o.Status == HttpStatusCode.OK)} ok, {outcomes.Count(o => o.Status != HttpStatusCode.OK)} failed closed, recovered {recovery.Elapsed.TotalSeconds:F2} s after restore");
    }
}
