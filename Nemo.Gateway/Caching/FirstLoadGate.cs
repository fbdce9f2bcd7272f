namespace Nemo.Gateway.Caching;

/// <summary>
/// Holds requests until an in-memory cache has been read from the database once after start-up, for
/// caches whose absence would change what a request does (an organization's guardrails, its own provider
/// key). The first waiting request starts the read if the cache's listener hasn't yet; a failed read lets
/// the next request try again.
/// </summary>
internal sealed class FirstLoadGate
{
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _loading;

    public bool IsOpen => _loaded.Task.IsCompleted;

    public void Open() => _loaded.TrySetResult();

    public async Task WaitAsync(Func<CancellationToken, Task> load, CancellationToken cancellationToken)
    {
        if (IsOpen)
            return;
        if (Interlocked.Exchange(ref _loading, 1) == 0)
        {
            try
            {
                await load(CancellationToken.None);
            }
            catch
            {
                Volatile.Write(ref _loading, 0);
                throw;
            }
        }
        await _loaded.Task.WaitAsync(cancellationToken);
    }
}
