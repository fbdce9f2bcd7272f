namespace Nemo.Runtime.Membership;

/// <summary>This silo process: a fresh id per process start, and the URL other nodes call it at.</summary>
public sealed class SiloIdentity
{
    public Guid SiloId { get; } = Guid.NewGuid();

    /// <summary>Set once Kestrel has bound its addresses (or from Nemo:Cluster:AdvertisedUrl).</summary>
    public string Address { get; set; } = "";
}
