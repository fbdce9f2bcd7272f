namespace Nemo.Grains.Spend;

/// <summary>Why a usage event's figures are not the provider's own report.</summary>
[Flags, GenerateSerializer, Alias("nemo.usage-flags")]
public enum UsageFlags
{
    None = 0,
    /// <summary>The provider did not report usage; tokens are a counted or upper-bound figure.</summary>
    Estimated = 1,
    /// <summary>The upstream stream ended without its final chunk.</summary>
    StreamCut = 2,
    /// <summary>The client went away before the response completed.</summary>
    ClientAborted = 4,
    /// <summary>The reported usage priced above the reservation; the settled cost was capped at the reservation.</summary>
    CostCapped = 8,
}
