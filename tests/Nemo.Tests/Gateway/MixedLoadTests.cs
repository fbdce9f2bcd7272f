using System.Collections.Concurrent;
using System.Net;
using Nemo.FakeUpstream;
using Nemo.Grains.Contracts;
using Nemo.Tests.Infrastructure;
using static Nemo.Tests.Gateway.ProxyProbe;

namespace Nemo.Tests.Gateway;

/// <summary>
/// Healthy tenants and a tenant whose requests hit the fake provider's fault modes (one request in
/// ten), all at once on one node: every healthy request succeeds with exactly one usage event, every
/// answer is billed by the rule (a 200 once, an error never), nothing stays reserved, and each
/// organization's spent equals its ledger. How much the faulty traffic slows the healthy tenants is
/// measured by the benchmark (`./nemo bench --faulty-share 0.1`, docs/BENCHMARKS.md), not here.
/// </summary>
public sealed class MixedLoadTests(ShortTimeoutsFixture fixture, ITestOutputHelper output) : IClassFixture<ShortTimeoutsFixture>
{
    private static readonly (FakeMode Mode, bool Stream)[] Faults =
    [
        (FakeMode.Cut, false), (FakeMode.Cut, true), (FakeMode.Stall, false), (FakeMode.Stall, true), (FakeMode.Hang, false),
        (FakeMode.Hang, true), (FakeMode.Error500, false), (FakeMode.Error429, true), (FakeMode.Error401, false),
        (FakeMode.Error403, true), (FakeMode.Redirect, false), (FakeMode.BadJson, false), (FakeMode.JsonStream, true),
        (FakeMode.NoDone, true), (FakeMode.EndEarly, true), (FakeMode.HangAfterUsage, true), (FakeMode.NoUsage, false),
        (FakeMode.NoUsage, true), (FakeMode.BadUsage, false), (FakeMode.BadUsage, true), (FakeMode.ErrorHang, false), (FakeMode.BigError, false),
    ];

    private sealed record Sent(Tenant Tenant, bool Healthy, FakeMode Mode, bool Stream, Outcome Outcome);

    [Fact]
    public async Task TenPercentFaultyTraffic_HealthyTenantsAllServed_EveryAnswerBilledByTheRule_NothingReserved()
    {
        Tenant[] healthy = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Tenant.CreateAsync(fixture.Host.Client, credits: 5m)));
        Tenant faulty = await Tenant.CreateAsync(fixture.Host.Client, credits: 5m);
        var plan = new List<(Tenant Tenant, bool Healthy, FakeMode Mode, bool Stream)>();
        for (int i = 0; i < 360; i++)
            plan.Add((healthy[i % healthy.Length], true, FakeMode.Ok, i % 4 == 0));
        for (int i = 0; i < 40; i++)
            plan.Add((faulty, false, Faults[i % Faults.Length].Mode, Faults[i % Faults.Length].Stream));
        new Random(11).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(plan));

        var queue = new ConcurrentQueue<(Tenant Tenant, bool Healthy, FakeMode Mode, bool Stream)>(plan);
        var sent = new ConcurrentBag<Sent>();
        await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var next))
            {
                Outcome outcome = await SendAsync(fixture, next.Tenant, Chat(next.Mode, next.Stream, cutAfter: 2, usage: next.Mode == FakeMode.BadUsage ? "-1" : null));
                sent.Add(new Sent(next.Tenant, next.Healthy, next.Mode, next.Stream, outcome));
            }
        })));

        Assert.Equal(400, sent.Count);
        foreach (Sent s in sent.Where(s => s.Healthy))
        {
            Assert.True(s.Outcome.Status == HttpStatusCode.OK, $"a healthy request failed: {s.Outcome.Status} {s.Outcome.Body}");
            if (s.Stream)
                Assert.EndsWith("data: [DONE]\n\n", s.Outcome.Body);
            UsageRow? row = await RowAsync(fixture.Database, s.Outcome.RequestId);
            Assert.True(row is { Flags: 0 }, $"healthy request {s.Outcome.RequestId}: usage event {row}");
        }
        foreach (Sent s in sent.Where(s => !s.Healthy))
        {
            UsageRow? row = await RowAsync(fixture.Database, s.Outcome.RequestId);
            // A 200 (a complete answer, or a stream that delivered something) is billed once; an error never.
            if (s.Outcome.Status == HttpStatusCode.OK)
                Assert.True(row is not null, $"{s.Mode} stream={s.Stream}: a 200 without its usage event");
            else
                Assert.True(row is null, $"{s.Mode} stream={s.Stream}: answered {s.Outcome.Status} yet billed {row}");
        }
        foreach (Tenant tenant in healthy.Append(faulty))
        {
            CreditsView credits = await CreditsAsync(fixture, tenant);
            Assert.Equal(0, credits.Reserved);
            Assert.Equal(await fixture.Database.ScalarAsync<long>(
                "SELECT coalesce(sum(cost), 0)::bigint FROM nemo.usage_events WHERE organization_id = @org", ("org", tenant.OrganizationId)), credits.Spent);
        }
        output.WriteLine(
            $"healthy p99 {Percentile(sent.Where(s => s.Healthy), 0.99):F1} ms over {sent.Count(s => s.Healthy)}; faulty answers: "
            + string.Join(", ", sent.Where(s => !s.Healthy).GroupBy(s => (int)s.Outcome.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}")));
    }

    private static double Percentile(IEnumerable<Sent> sent, double q)
    {
        double[] sorted = [.. sent.Select(s => s.Outcome.Elapsed.TotalMilliseconds).Order()];
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
    }
}
