using System.ComponentModel.DataAnnotations;

namespace Nemo.Runtime.Hosting;

/// <summary>Cluster settings, bound from <c>Nemo:Cluster</c>. Every node of a cluster must agree on PartitionCount.</summary>
public sealed class ClusterOptions
{
    /// <summary>Number of virtual partitions (default 256). Fixed for the life of a cluster's database.</summary>
    [Range(1, 65_536)]
    public int PartitionCount { get; set; } = 256;

    /// <summary>
    /// How long a partition lease lasts after each renewal, by the database's clock (default 3 s). After a
    /// silo dies, its partitions serve again about this long later.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How often leases are renewed and heartbeats written (default 1 s). Must be well under LeaseDuration.</summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Self-fencing margin (default 1 s): a silo stops serving a partition this long before its lease
    /// could have expired by its own clock, measured from when it sent the renewal.
    /// </summary>
    public TimeSpan SafetyMargin { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the routing table is re-read when no notification arrives (default 1 s).</summary>
    public TimeSpan RoutingRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// After taking over a partition whose owner's lease expired (a crash), how long the new owner admits
    /// no new requests while gateways re-present the reservations the dead silo held (default 1.5 s).
    /// Must exceed RoutingRefreshInterval, the longest a gateway can take to notice the new owner.
    /// </summary>
    public TimeSpan RecoveryWindow { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>How long a call keeps retrying while partitions move or a silo fails over (default 15 s).</summary>
    public TimeSpan CallDeadline { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A grain with no call for this long is deactivated, its state flushed (default 10 min).</summary>
    public TimeSpan IdleDeactivation { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Where a silo listens for silo calls, HTTP/2 only (default http://127.0.0.1:0, an ephemeral loopback
    /// port). Set a fixed port, and AdvertisedUrl, when nodes run on different machines.
    /// </summary>
    public string SiloUrl { get; set; } = "http://127.0.0.1:0";

    /// <summary>The URL other nodes reach this silo's silo-call listener at; defaults to its bound address.</summary>
    public string? AdvertisedUrl { get; set; }

    public IEnumerable<string> Validate()
    {
        if (LeaseDuration <= TimeSpan.Zero)
            yield return $"Nemo:Cluster:LeaseDuration must be positive (currently {LeaseDuration}).";
        if (RenewInterval <= TimeSpan.Zero || RenewInterval * 2 >= LeaseDuration)
            yield return $"Nemo:Cluster:RenewInterval (currently {RenewInterval}) must be positive and under half of LeaseDuration (currently {LeaseDuration}).";
        if (SafetyMargin < TimeSpan.Zero || SafetyMargin + RenewInterval >= LeaseDuration)
            yield return $"Nemo:Cluster:SafetyMargin (currently {SafetyMargin}) plus RenewInterval (currently {RenewInterval}) must stay under LeaseDuration (currently {LeaseDuration}).";
        if (IdleDeactivation <= TimeSpan.Zero)
            yield return $"Nemo:Cluster:IdleDeactivation must be positive (currently {IdleDeactivation}).";
        if (RecoveryWindow <= RoutingRefreshInterval)
            yield return $"Nemo:Cluster:RecoveryWindow (currently {RecoveryWindow}) must exceed RoutingRefreshInterval (currently {RoutingRefreshInterval}), or a gateway could miss it.";
        if (CallDeadline <= TimeSpan.Zero)
            yield return $"Nemo:Cluster:CallDeadline must be positive (currently {CallDeadline}).";
    }
}
