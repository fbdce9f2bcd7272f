using System.Collections.Concurrent;
using Nemo.Grains.Spend;

namespace Nemo.Cluster.Calls;

/// <summary>
/// The requests this node was told were admitted and has not yet settled or released: what it
/// re-presents to an organization's new activation if the old one ended without handing them over.
/// Entries older than the reservation TTL are dropped (their reservations have expired anyway).
/// </summary>
internal sealed class InFlightAdmissions(TimeProvider time, TimeSpan reservationTtl)
{
    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();

    private sealed record Entry(AuthorizeRequest Request, DateTimeOffset AdmittedAt)
    {
        public volatile bool Settling;
    }

    public int Count => _entries.Count;

    public void Admitted(AuthorizeRequest request) => _entries[request.RequestId] = new Entry(request, time.GetUtcNow());

    /// <summary>A settle or release is under way: not re-asserted from now on (it would race it).</summary>
    public void Settling(Guid requestId)
    {
        if (_entries.TryGetValue(requestId, out Entry? entry))
            entry.Settling = true;
    }

    public void Done(Guid requestId) => _entries.TryRemove(requestId, out _);

    public Guid[] Organizations() => [.. _entries.Values.Select(e => e.Request.OrganizationId).Distinct()];

    /// <summary>The admissions of one organization to re-present.</summary>
    public AuthorizeRequest[] ForOrganization(Guid organizationId)
    {
        DateTimeOffset oldest = time.GetUtcNow() - reservationTtl;
        foreach ((Guid id, Entry entry) in _entries)
        {
            if (entry.AdmittedAt < oldest)
                _entries.TryRemove(id, out _);
        }
        return [.. _entries.Values.Where(e => !e.Settling && e.Request.OrganizationId == organizationId).Select(e => e.Request)];
    }
}
