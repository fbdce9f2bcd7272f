using Nemo.Grains.Contracts;

namespace Nemo.Runtime.Activation;

/// <summary>
/// One grain's single activation on this silo. Turn-based: <see cref="_turn"/> admits one call at a time,
/// non-reentrant (grains never call each other, so a turn can't wait on itself). The grain activates
/// inside its first turn; a failed activation is retried by the next call.
/// </summary>
internal sealed class ActivationData(GrainId id, int partition, IGrainLifecycle grain, TimeProvider time)
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private int _pins;
    private bool _activated;
    private long _lastUsedTimestamp = time.GetTimestamp();

    public GrainId Id { get; } = id;

    public int Partition { get; } = partition;

    public IGrainLifecycle Grain { get; } = grain;

    /// <summary>Set once, inside a turn, when the activation is removed; later callers must look up again.</summary>
    public bool Deactivated { get; private set; }

    public long LastUsedTimestamp => Volatile.Read(ref _lastUsedTimestamp);

    public bool Pinned => Volatile.Read(ref _pins) > 0;

    public void Pin() => Interlocked.Increment(ref _pins);

    public void Unpin() => Interlocked.Decrement(ref _pins);

    /// <summary>Enters a turn. Returns false if the activation was deactivated meanwhile (caller retries).</summary>
    public async ValueTask<bool> EnterAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        if (Deactivated)
        {
            _turn.Release();
            return false;
        }
        if (!_activated)
        {
            try
            {
                await Grain.OnActivateAsync(cancellationToken);
                _activated = true;
            }
            catch
            {
                _turn.Release();
                throw;
            }
        }
        return true;
    }

    /// <summary>Leaves the turn; <paramref name="touch"/> false for housekeeping turns that must not keep a grain alive.</summary>
    public void Exit(bool touch = true)
    {
        if (touch)
            Volatile.Write(ref _lastUsedTimestamp, time.GetTimestamp());
        _turn.Release();
    }

    /// <summary>Deactivates if idle and unpinned (or <paramref name="force"/>); flushes state unless <paramref name="flush"/> is false.</summary>
    public async Task<bool> TryDeactivateAsync(bool force, bool flush, CancellationToken cancellationToken)
    {
        if (!await _turn.WaitAsync(force ? Timeout.Infinite : 0, cancellationToken))
            return false;
        try
        {
            if (Deactivated)
                return true;
            if (!force && (Pinned || !Grain.CanDeactivate))
                return false;
            Deactivated = true;
            if (_activated && flush)
                await Grain.OnDeactivateAsync(cancellationToken);
            return true;
        }
        finally
        {
            _turn.Release();
        }
    }
}
