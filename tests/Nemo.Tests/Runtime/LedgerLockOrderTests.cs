using Nemo.Grains.Spend;
using Nemo.Grains.Storage;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Runtime;

/// <summary>
/// Many group-commit writers (8, batches of at most 16) committing overlapping batches at once: every
/// batch touches the same activation rows and daily-total rows in a different mix. Rows are locked in
/// one fixed order, so writers wait for each other and never deadlock; a deadlock (SQLSTATE 40P01)
/// would fail a whole batch of settles.
/// </summary>
public sealed class LedgerLockOrderTests(ContendedLedgerFixture fixture) : IClassFixture<ContendedLedgerFixture>
{
    [Fact]
    public async Task OverlappingBatchesFromManyWriters_AllCommit_TotalsExact()
    {
        IUsageLedger ledger = fixture.Host.Get<IUsageLedger>();
        IActivationFence fence = fixture.Host.Get<IActivationFence>();
        var organizations = new List<(Guid Id, long Epoch, Guid[] Teams, Guid[] Keys)>();
        for (int o = 0; o < 3; o++)
        {
            Guid id = Guid.NewGuid();
            long epoch = (await fence.TakeAsync(id, "lock-order-test", CancellationToken.None)).Epoch;
            organizations.Add((id, epoch, [.. Enumerable.Range(0, 4).Select(_ => Guid.NewGuid())], [.. Enumerable.Range(0, 4).Select(_ => Guid.NewGuid())]));
        }
        var random = new Random(7);
        var usages = new List<(SettleRequest Usage, long Epoch)>();
        for (int i = 0; i < 3000; i++)
        {
            var (id, epoch, teams, keys) = organizations[random.Next(organizations.Count)];
            var usage = new SettleRequest(Guid.CreateVersion7(), id, teams[random.Next(teams.Length)], keys[random.Next(keys.Length)], null,
                "customer-" + random.Next(4), "gpt-4o-mini", "chat/completions", 3, 4, 1 + random.Next(100), 10, UsageFlags.None, 200, 1);
            usages.Add((usage, epoch));
        }

        AppendOutcome[] outcomes = await Task.WhenAll(usages.Select(u => Task.Run(() => ledger.AppendAsync(u.Usage, DateTimeOffset.UtcNow, u.Epoch, CancellationToken.None))));

        Assert.All(outcomes, o => Assert.Equal(AppendOutcome.Inserted, o));
        foreach (var (id, _, _, _) in organizations)
        {
            long expected = usages.Where(u => u.Usage.OrganizationId == id).Sum(u => u.Usage.Cost);
            foreach (string scope in new[] { "organization", "team", "key", "customer" })
            {
                Assert.Equal(expected, await fixture.Database.ScalarAsync<long>(
                    "SELECT coalesce(sum(cost), 0)::bigint FROM nemo.usage_daily WHERE organization_id = @org AND scope = @scope", ("org", id), ("scope", scope)));
            }
        }
    }
}

/// <summary>A Nemo whose usage ledger runs 8 writers with batches of at most 16 events: many small overlapping commits.</summary>
public sealed class ContendedLedgerFixture : NemoHostFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Nemo:Ledger:Writers"] = "8",
        ["Nemo:Ledger:MaxBatch"] = "16",
    };
}
