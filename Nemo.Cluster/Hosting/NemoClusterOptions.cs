using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Nemo.Cluster.Hosting;

/// <summary>
/// How a Nemo process joins its Orleans cluster, bound from <c>Nemo:Cluster</c>. Every node of a cluster
/// shares ClusterId, ServiceId and the database (membership lives in PostgreSQL). The defaults keep
/// cluster traffic on loopback: silo-to-silo and client-to-gateway ports are never on a public address
/// unless an operator sets ListenAddress, and then mutual TLS (Tls*) is available.
/// </summary>
public sealed class NemoClusterOptions : IValidatableObject
{
    /// <summary>Orleans cluster id (default "nemo"): nodes with the same id and database form one cluster.</summary>
    [Required]
    public string ClusterId { get; set; } = "nemo";

    /// <summary>Orleans service id (default "nemo"): keys grain state; keep it stable across deployments.</summary>
    [Required]
    public string ServiceId { get; set; } = "nemo";

    /// <summary>Address the silo and gateway ports bind to (default 127.0.0.1). Use the cluster network's address, never a public one.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// Address other nodes reach this silo at: an IP, or a host name resolved once at start-up (e.g. a
    /// compose service name). Default: ListenAddress; required when that is 0.0.0.0.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Silo-to-silo port (default 11111; 0 picks a free port at start-up).</summary>
    [Range(0, 65_535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port split gateways (Orleans clients) connect to (default 30000; 0 picks a free port).</summary>
    [Range(0, 65_535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// How long a silo waits for a probe answer before counting it missed (default 1 s; Orleans' own
    /// default is 5 s). With NumMissedProbesLimit it bounds how fast a crashed silo is declared dead.
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes before a silo votes another dead (default 2; Orleans' default 3).</summary>
    [Range(1, 10)]
    public int NumMissedProbesLimit { get; set; } = 2;

    /// <summary>
    /// How long one grain call waits for its answer (default 2 s; Orleans' default 30 s). A call that
    /// times out has an unknown outcome and is retried with the same request id. It bounds how long a
    /// split gateway waits on a call that was in flight to a silo that died: Orleans fails such calls
    /// at once inside the cluster, but a client only learns by the timeout (measured: reactivation
    /// came 5 s after the eviction with 5 s here).
    /// </summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a gateway keeps retrying one spend call while silos fail over (default 15 s); then 503.</summary>
    public TimeSpan CallDeadline { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a node's shutdown waits for requests in flight to finish and settle (default 60 s).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>PFX file with this node's certificate: turns on mutual TLS for silo and gateway connections.</summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>Password of TlsCertificatePath, if any.</summary>
    public string? TlsCertificatePassword { get; set; }

    /// <summary>
    /// The certificate authority (PEM or DER file) whose certificates peers must present when TLS is on;
    /// required with TlsCertificatePath. Only this CA is trusted for cluster connections.
    /// </summary>
    public string? TlsCaCertificatePath { get; set; }

    /// <summary>
    /// Runs Microsoft.Orleans.Dashboard (default false). Set it on every node of the cluster: silos collect
    /// grain statistics (a grain-call filter, so it costs on every call), and gateways serve the dashboard
    /// at <c>/dashboard</c>, to the operator's master key only (HTTP Basic, any user name, the master key as
    /// password, or <c>Authorization: Bearer</c>).
    /// </summary>
    public bool Dashboard { get; set; }

    public bool TlsEnabled => !string.IsNullOrWhiteSpace(TlsCertificatePath);

    public IPAddress ListenIp => IPAddress.Parse(ListenAddress);

    public IPAddress AdvertisedIp => AdvertisedAddress is null ? ListenIp
        : IPAddress.TryParse(AdvertisedAddress, out IPAddress? ip) ? ip
        : Dns.GetHostAddresses(AdvertisedAddress).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
          ?? throw new InvalidOperationException($"Nemo:Cluster:AdvertisedAddress '{AdvertisedAddress}' did not resolve to an IPv4 address.");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IPAddress.TryParse(ListenAddress, out IPAddress? listen))
            yield return new ValidationResult($"Nemo:Cluster:ListenAddress must be an IP address (currently '{ListenAddress}').");
        if (listen is not null && (listen.Equals(IPAddress.Any) || listen.Equals(IPAddress.IPv6Any)) && AdvertisedAddress is null)
            yield return new ValidationResult($"Nemo:Cluster:AdvertisedAddress is required when ListenAddress is {ListenAddress}: set the address other nodes reach this one at.");
        if (ProbeTimeout <= TimeSpan.Zero)
            yield return new ValidationResult($"Nemo:Cluster:ProbeTimeout must be positive (currently {ProbeTimeout}).");
        if (ResponseTimeout <= TimeSpan.Zero)
            yield return new ValidationResult($"Nemo:Cluster:ResponseTimeout must be positive (currently {ResponseTimeout}).");
        if (CallDeadline < ResponseTimeout)
            yield return new ValidationResult($"Nemo:Cluster:CallDeadline (currently {CallDeadline}) must be at least ResponseTimeout (currently {ResponseTimeout}).");
        if (ShutdownTimeout <= TimeSpan.Zero)
            yield return new ValidationResult($"Nemo:Cluster:ShutdownTimeout must be positive (currently {ShutdownTimeout}).");
        if (TlsEnabled && (string.IsNullOrWhiteSpace(TlsCaCertificatePath) || !File.Exists(TlsCaCertificatePath)))
            yield return new ValidationResult($"Nemo:Cluster:TlsCaCertificatePath must name the CA certificate file that signs every node's certificate when TlsCertificatePath is set (currently '{TlsCaCertificatePath}').");
        if (TlsEnabled && !File.Exists(TlsCertificatePath))
            yield return new ValidationResult($"Nemo:Cluster:TlsCertificatePath does not exist (currently '{TlsCertificatePath}').");
    }
}
