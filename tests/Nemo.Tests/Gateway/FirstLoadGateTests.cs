using Nemo.Gateway.Caching;

namespace Nemo.Tests.Gateway;

/// <summary>The start-up gate of the policy and provider-key caches: requests wait for the first read, one read runs, a failed read is retried by the next request.</summary>
public sealed class FirstLoadGateTests
{
    [Fact]
    public async Task Waiters_ShareOneLoad_AndPassOnceItOpens()
    {
        var gate = new FirstLoadGate();
        int loads = 0;
        var release = new TaskCompletionSource();
        Task Load(CancellationToken _)
        {
            Interlocked.Increment(ref loads);
            return release.Task.ContinueWith(_ => gate.Open(), TaskScheduler.Default);
        }

        Task first = gate.WaitAsync(Load, CancellationToken.None), second = gate.WaitAsync(Load, CancellationToken.None);
        await Task.Delay(50);
        Assert.False(first.IsCompleted || second.IsCompleted);
        release.SetResult();
        await Task.WhenAll(first, second);

        Assert.Equal(1, loads);
        Assert.True(gate.IsOpen);
    }

    [Fact]
    public async Task AFailedLoad_Throws_AndTheNextWaiterLoadsAgain()
    {
        var gate = new FirstLoadGate();
        int loads = 0;

        await Assert.ThrowsAsync<TimeoutException>(() => gate.WaitAsync(_ => { loads++; throw new TimeoutException("database down"); }, CancellationToken.None));
        await gate.WaitAsync(_ => { loads++; gate.Open(); return Task.CompletedTask; }, CancellationToken.None);

        Assert.Equal(2, loads);
        Assert.True(gate.IsOpen);
    }
}
