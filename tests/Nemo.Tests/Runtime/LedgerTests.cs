using Nemo.Grains.Spend;
using Nemo.Grains.Storage;
using Nemo.Tests.Infrastructure;
using Npgsql;

namespace Nemo.Tests.Runtime;

/// <summary>The group-commit ledger on PostgreSQL: a bad event fails alone, duplicates are told apart by epoch, fencing refuses stale epochs.</summary>
public sealed class LedgerTests(NemoHostFixture fixture) : IClassFixture<NemoHostFixture>
{
    private static SettleRequest Usage(Guid organizationId, string? customer, long cost = 5) =>
        new(Guid.CreateVersion7(), organizationId, Guid.NewGuid(), Guid.NewGuid(), null, customer, "gpt-4o-mini", "chat/completions", 1, 1, cost, 2, UsageFlags.None, 200, 1);

    private async Task<(Guid Organization, long Epoch)> ActivationAsync()
    {
        Guid organization = Guid.NewGuid();
        ActivationEpoch epoch = await fixture.Host.Get<IActivationFence>().TakeAsync(organization, "ledger-test", CancellationToken.None);
        return (organization, epoch.Epoch);
    }

    [Fact]
    public async Task Append_OneEventPostgreSqlRefuses_FailsAloneWhileTheRestOfItsBatchCommits()
    {
        (Guid organization, long epoch) = await ActivationAsync();
        IUsageLedger ledger = fixture.Host.Get<IUsageLedger>();
        SettleRequest[] good = [.. Enumerable.Range(0, 40).Select(_ => Usage(organization, "customer-a"))];
        SettleRequest bad = Usage(organization, "nul\0inside"); // text PostgreSQL can't store

        Task<AppendOutcome>[] goodAppends = [.. good.Select(u => ledger.AppendAsync(u, DateTimeOffset.UtcNow, epoch, CancellationToken.None))];
        Task<AppendOutcome> badAppend = ledger.AppendAsync(bad, DateTimeOffset.UtcNow, epoch, CancellationToken.None);

        Assert.All(await Task.WhenAll(goodAppends), o => Assert.Equal(AppendOutcome.Inserted, o));
        await Assert.ThrowsAnyAsync<PostgresException>(() => badAppend);
        Assert.Equal(40L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org", ("org", organization)));
        Assert.Equal(200L, await fixture.Database.ScalarAsync<long>(
            "SELECT sum(cost)::bigint FROM nemo.usage_daily WHERE organization_id = @org AND scope = 'organization'", ("org", organization)));
    }

    [Fact]
    public async Task Append_Again_SameEpochAndEarlierEpoch_AreToldApart_AndAStaleEpochIsFenced()
    {
        (Guid organization, long epoch) = await ActivationAsync();
        IUsageLedger ledger = fixture.Host.Get<IUsageLedger>();
        SettleRequest usage = Usage(organization, null);
        Assert.Equal(AppendOutcome.Inserted, await ledger.AppendAsync(usage, DateTimeOffset.UtcNow, epoch, CancellationToken.None));
        Assert.Equal(AppendOutcome.DuplicateThisEpoch, await ledger.AppendAsync(usage, DateTimeOffset.UtcNow, epoch, CancellationToken.None));

        long next = (await fixture.Host.Get<IActivationFence>().TakeAsync(organization, "ledger-test-2", CancellationToken.None)).Epoch;

        Assert.Equal(AppendOutcome.Duplicate, await ledger.AppendAsync(usage, DateTimeOffset.UtcNow, next, CancellationToken.None));
        Assert.Equal(AppendOutcome.Fenced, await ledger.AppendAsync(Usage(organization, null), DateTimeOffset.UtcNow, epoch, CancellationToken.None));
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE organization_id = @org", ("org", organization)));
    }
}
