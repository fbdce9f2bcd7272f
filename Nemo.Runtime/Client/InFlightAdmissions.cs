using System.Collections.Concurrent;
using Nemo.Grains.Spend;
using Nemo.Runtime.Partitions;

namespace Nemo.Runtime.Client;

/// <summary>
/// The requests this node was told were admitted and has not yet settled or released: what it
/// re-presents to a partition's new owner if the old one died with the reservations in memory.
/// Entries older than the reservation TTL are dropped (their reservations have expired anyway).
/// </summary>
internal sealed class InFlightAdmissions(TimeProvider time, TimeSpan reservationTtl, int partitionCount)
{
    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();

    private sealed record Entry(AuthorizeRequest Request, int Partition, DateTimeOffset AdmittedAt)
    {
        public volatile bool Settling;
    }

    public void Admitted(AuthorizeRequest request) =>
        _entries[request.RequestId] = new Entry(request, PartitionMap.PartitionOf(request.OrganizationId, partitionCount), time.GetUtcNow());

    /// <summary>A settle is under way: not re-asserted from now on (it would race the settle).</summary>
    public void Settling(Guid requestId)
    {
        if (_entries.TryGetValue(requestId, out Entry? entry))
            entry.Settling = true;
    }

    public void Done(Guid requestId) => _entries.TryRemove(requestId, out _);

    /// <summary>The admissions to re-present for these partitions, grouped by organization.</summary>
    public IEnumerable<IGrouping<Guid, AuthorizeRequest>> ForPartitions(IReadOnlySet<int> partitions)
    {
        DateTimeOffset oldest = time.GetUtcNow() - reservationTtl;
        foreach ((Guid id, Entry entry) in _entries)
        {
            if (entry.AdmittedAt < oldest)
                _entries.TryRemove(id, out _);
        }
        return _entries.Values
            .Where(e => !e.Settling && partitions.Contains(e.Partition))
            .Select(e => e.Request)
            .GroupBy(r => r.OrganizationId);
    }
}
