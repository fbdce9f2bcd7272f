namespace Nemo.Runtime.Partitions;

/// <summary>
/// partition = FNV-1a(organization id, big-endian bytes) mod N. Stable across processes, machines and
/// .NET versions (unlike <see cref="Guid.GetHashCode"/>), so every node routes alike.
/// </summary>
public static class PartitionMap
{
    public static int PartitionOf(Guid organizationId, int partitionCount)
    {
        Span<byte> bytes = stackalloc byte[16];
        organizationId.TryWriteBytes(bytes, bigEndian: true, out _);
        uint hash = 2166136261;
        foreach (byte b in bytes)
            hash = (hash ^ b) * 16777619;
        return (int)(hash % (uint)partitionCount);
    }
}
