using Nemo.Runtime.Hosting;

namespace Nemo.Runtime.Partitions;

/// <summary>
/// The partitions this silo may serve right now. Self-fencing: a partition counts as owned only until
/// (local time when its renewal was sent) + LeaseDuration − SafetyMargin, by this process's monotonic
/// clock. Since the database measures the lease from when it ran the renewal, which is after the send,
/// the silo stops serving before any other silo could have taken the lease over.
/// </summary>
public sealed class LocalOwnership(TimeProvider time, ClusterOptions options)
{
    private readonly OwnedPartition?[] _owned = new OwnedPartition?[options.PartitionCount];

    public event Action<int>? PartitionLost;

    public int PartitionCount => options.PartitionCount;

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

    public bool Owns(int partition) => TryGetEpoch(partition, out _);

    public int OwnedCount
    {
        get
        {
            long now = time.GetTimestamp();
            int count = 0;
            foreach (OwnedPartition? owned in _owned)
                if (owned is not null && now < owned.ServeUntilTimestamp)
                    count++;
            return count;
        }
    }

    public IReadOnlyList<int> HeldPartitions()
    {
        var held = new List<int>();
        for (int p = 0; p < _owned.Length; p++)
            if (_owned[p] is not null)
                held.Add(p);
        return held;
    }

    /// <summary>Records a lease granted or renewed by a statement sent at <paramref name="sentAtTimestamp"/>.</summary>
    public void Grant(int partition, long epoch, long sentAtTimestamp)
    {
        long serveFor = (long)((options.LeaseDuration - options.SafetyMargin).TotalSeconds * time.TimestampFrequency);
        Volatile.Write(ref _owned[partition], new OwnedPartition(partition, epoch, sentAtTimestamp + serveFor));
    }

    public void Revoke(int partition)
    {
        if (Interlocked.Exchange(ref _owned[partition], null) is null)
            return;
        PartitionLost?.Invoke(partition);
    }
}
