using Nemo.Runtime.Hosting;

namespace Nemo.Runtime.Partitions;

/// <summary>
/// The partitions this silo holds leases for, and whether it serves them.
///
/// Self-fencing: a lease counts only until (local time when its renewal was sent) + LeaseDuration −
/// SafetyMargin, by this process's monotonic clock. The database measures the lease from when it ran
/// the renewal, which is after the send, so the silo stops using a lease before any other silo could
/// take it over. Writes (ledger, grain state) need only the lease (<see cref="TryGetEpoch"/>).
///
/// Serving: calls enter a partition with <see cref="TryEnter"/> and leave with <see cref="Exit"/>.
/// A hand-off first marks partitions draining — new calls are turned away (NotOwner, the caller
/// retries at the next owner) — then waits until the calls already inside have left, so that every
/// reservation and settle is in the grains' state before they are flushed and the lease released.
///
/// Recovery: a partition taken over from an owner whose lease expired (it crashed) admits no new
/// requests until its recovery window ends; settles, releases and re-asserted reservations are
/// served meanwhile, so the reservations the dead silo held are back before new ones are counted.
/// </summary>
public sealed class LocalOwnership(TimeProvider time, ClusterOptions options)
{
    private readonly OwnedPartition?[] _owned = new OwnedPartition?[options.PartitionCount];
    private readonly int[] _draining = new int[options.PartitionCount];
    private readonly int[] _inFlight = new int[options.PartitionCount];
    private readonly long[] _recoveringUntil = new long[options.PartitionCount];

    public event Action<int>? PartitionLost;

    public int PartitionCount => options.PartitionCount;

    /// <summary>The epoch of a lease this silo holds and may still use by its own clock.</summary>
    public bool TryGetEpoch(int partition, out long epoch)
    {
        if (Volatile.Read(ref _owned[partition]) is { } owned && time.GetTimestamp() < owned.ServeUntilTimestamp)
        {
            epoch = owned.Epoch;
            return true;
        }
        epoch = 0;
        return false;
    }

    /// <summary>Whether a call for the partition would be served here now (held, valid, not draining).</summary>
    public bool Serves(int partition) => Volatile.Read(ref _draining[partition]) == 0 && TryGetEpoch(partition, out _);

    /// <summary>Whether the partition is in its recovery window (no new admissions yet).</summary>
    public bool Recovering(int partition) => time.GetTimestamp() < Volatile.Read(ref _recoveringUntil[partition]);

    /// <summary>
    /// Enters a call into a partition; false (nothing entered) if it isn't served here, or if the call
    /// would admit a new request (<paramref name="admits"/>) while the partition is recovering.
    /// </summary>
    public bool TryEnter(int partition, bool admits = false)
    {
        Interlocked.Increment(ref _inFlight[partition]);
        if (Serves(partition) && !(admits && Recovering(partition)))
            return true;
        Interlocked.Decrement(ref _inFlight[partition]);
        return false;
    }

    public void Exit(int partition) => Interlocked.Decrement(ref _inFlight[partition]);

    /// <summary>Stops admitting calls to the partitions and waits (up to <paramref name="timeout"/>) for the ones inside to leave.</summary>
    public async Task<bool> DrainAsync(IReadOnlyCollection<int> partitions, TimeSpan timeout, CancellationToken cancellationToken)
    {
        foreach (int partition in partitions)
            Interlocked.Exchange(ref _draining[partition], 1);
        long started = time.GetTimestamp();
        while (partitions.Any(p => Volatile.Read(ref _inFlight[p]) > 0))
        {
            if (time.GetElapsedTime(started) >= timeout)
                return false;
            await Task.Delay(TimeSpan.FromMilliseconds(5), time, cancellationToken);
        }
        return true;
    }

    public IReadOnlyList<int> HeldPartitions()
    {
        var held = new List<int>();
        for (int p = 0; p < _owned.Length; p++)
            if (Volatile.Read(ref _owned[p]) is not null)
                held.Add(p);
        return held;
    }

    /// <summary>Records a lease granted or renewed by a statement sent at <paramref name="sentAtTimestamp"/>.</summary>
    public void Grant(int partition, long epoch, long sentAtTimestamp, bool recovering = false)
    {
        long serveFor = (long)((options.LeaseDuration - options.SafetyMargin).TotalSeconds * time.TimestampFrequency);
        if (recovering)
            Volatile.Write(ref _recoveringUntil[partition], time.GetTimestamp() + (long)(options.RecoveryWindow.TotalSeconds * time.TimestampFrequency));
        Volatile.Write(ref _owned[partition], new OwnedPartition(partition, epoch, sentAtTimestamp + serveFor));
    }

    /// <summary>Forgets a lease (lost or released); its activations are dropped by the catalog.</summary>
    public void Revoke(int partition)
    {
        if (Interlocked.Exchange(ref _owned[partition], null) is null)
            return;
        Interlocked.Exchange(ref _draining[partition], 0);
        PartitionLost?.Invoke(partition);
    }
}
