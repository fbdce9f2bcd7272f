namespace Nemo.Runtime.Partitions;

/// <summary>A lease this silo holds: its epoch and the local monotonic deadline after which it stops serving.</summary>
public sealed record OwnedPartition(int Partition, long Epoch, long ServeUntilTimestamp);
