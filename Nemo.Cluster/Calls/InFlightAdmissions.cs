using System.Collections.Concurrent;
using Nemo.Grains.Spend;

namespace Nemo.Cluster.Calls;

/// <summary>
/// The requests this node was told were admitted and whose settle or release was not yet acknowledged:
/// what it re-presents to an organization's new activation if the old one ended without handing them over.
/// Entries older than the reservation TTL are dropped (their reservations have expired anyway).
/// </summary>
internal sealed class InFlightAdmissions(TimeProvider time, TimeSpan reservationTtl)
{
    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();

    private sealed record Entry(AuthorizeRequest Request, DateTimeOffset AdmittedAt);

    public void Admitted(AuthorizeRequest request) => _entries[request.RequestId] = new Entry(request, time.GetUtcNow());


    public void Done(Guid requestId) => _entries.TryRemove(requestId, out _);

    public Guid[] Organizations() => [.. _entries.Values.Select(e => e.Request.OrganizationId).Distinct()];

    /// <summary>
    /// The admissions of one organization to re-present — those being settled too: a settle that was on
    /// its way to the dead activation lands on the new one later, and until then its reservation must
    /// count there (the activation drops it if the settle came first).
    /// </summary>
    public AuthorizeRequest[] ForOrganization(Guid organizationId)
    {
        DateTimeOffset oldest = time.GetUtcNow() - reservationTtl;
        foreach ((Guid id, Entry entry) in _entries)
        {
            if (entry.AdmittedAt < oldest)
                _entries.TryRemove(id, out _);
        }
        return [.. _entries.Values.Where(e => e.Request.OrganizationId == organizationId).Select(e => e.Request)];
    }
}
