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
    /// <summary>The reported tokens exceeded the request's upper bounds; the recorded (and rate-limited) tokens were capped at them.</summary>
    TokensCapped = 16,
    /// <summary>
    /// The provider sent usage that could not be trusted (a fraction, a negative, a duplicate, a missing count); treated as not reported.
    /// Without <see cref="Estimated"/>: only its cache or reasoning details could not be (or did not fit the totals); they were
    /// dropped and the reported totals billed at the plain input and output prices.
    /// </summary>
    UsageUnreadable = 32,

    /// <summary>
    /// The settle could not be confirmed before the client had to be answered, so the request was
    /// recorded at zero cost and the client told it was not billed; the tokens are what was served.
    /// </summary>
    Abandoned = 64,
}
