namespace Nemo.Tests.Admin;

/// <summary>
/// Waits for a condition that another process or a background job makes true (a NOTIFY arriving, an
/// outbox row being sent), checking every 20 ms, and fails with the description after the timeout.
/// </summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string description, double timeoutSeconds = 10, Func<string>? onTimeout = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        while (!await condition())
        {
            if (timeout.IsCancellationRequested)
                Assert.Fail($"Timed out after {timeoutSeconds} s waiting for: {description}{(onTimeout is null ? "" : "; " + onTimeout())}");
            await Task.Delay(20);
        }
    }
}
