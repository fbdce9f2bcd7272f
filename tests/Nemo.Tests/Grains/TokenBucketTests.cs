using Nemo.Grains.RateLimiting;
using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Grains;

public sealed class TokenBucketTests
{
    [Fact]
    public void TryTake_WhenEmpty_RefusesUntilRefilled()
    {
        var time = new ManualTimeProvider();
        var bucket = new TokenBucket(60, time);

        for (int i = 0; i < 60; i++)
            Assert.True(bucket.TryTake(1, out _));
        Assert.False(bucket.TryTake(1, out long retryMs));
        Assert.Equal(1000, retryMs);

        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(bucket.TryTake(1, out _));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(bucket.TryTake(1, out _));
    }

    [Fact]
    public void Refill_ManySmallSteps_LosesNothing()
    {
        var time = new ManualTimeProvider();
        var bucket = new TokenBucket(7, time);
        Assert.True(bucket.TryTake(7, out _));
        // 60 s in 6,000 steps of 10 ms must refill exactly 7 units: integer arithmetic keeps every fraction.
        for (int i = 0; i < 6000; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            _ = bucket.Remaining;
        }
        Assert.Equal(7, bucket.Remaining);
    }

    [Fact]
    public void Adjust_GivingBack_NeverExceedsCapacity()
    {
        var bucket = new TokenBucket(10, new ManualTimeProvider());
        Assert.True(bucket.TryTake(4, out _));
        bucket.Adjust(-100);
        Assert.Equal(10, bucket.Remaining);
    }

    [Fact]
    public void Adjust_Debt_BlocksUntilRepaid()
    {
        var time = new ManualTimeProvider();
        var bucket = new TokenBucket(100, time);
        Assert.True(bucket.TryTake(100, out _));
        bucket.Adjust(50); // settle found 50 more tokens than estimated
        Assert.Equal(-50, bucket.Remaining);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, bucket.Remaining);
        Assert.False(bucket.TryTake(1, out _));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(bucket.TryTake(1, out _));
    }

    [Fact]
    public void TryTake_LargerThanCapacity_AdmittedOnlyWhenFull()
    {
        var time = new ManualTimeProvider();
        var bucket = new TokenBucket(100, time);
        Assert.True(bucket.TryTake(500, out _)); // full: admitted, leaves a debt
        Assert.False(bucket.TryTake(500, out _));
        time.Advance(TimeSpan.FromMinutes(6));
        Assert.True(bucket.TryTake(500, out _));
    }
}
