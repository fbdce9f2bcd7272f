namespace Nemo.Gateway.Proxy;

/// <summary>What a response said about its usage.</summary>
internal enum UsageStatus
{
    /// <summary>No usage object (or <c>"usage": null</c>).</summary>
    Absent,

    /// <summary>A usage object whose token counts are non-negative integers, each given once.</summary>
    Reported,

    /// <summary>A usage object Nemo can't trust: a fraction, a negative, a string, a duplicate, a missing count. Treated as not reported.</summary>
    Unreadable,
}
