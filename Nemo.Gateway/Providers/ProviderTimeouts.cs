namespace Nemo.Gateway.Providers;

/// <summary>
/// A provider's three timeouts: opening a connection, the time until the response headers arrive
/// (the first byte), and the longest silence between two reads of the body (idle). A response that
/// keeps sending is never cut by these; only <c>Nemo:Gateway:UpstreamTimeout</c> bounds it in all.
/// </summary>
internal sealed record ProviderTimeouts(TimeSpan Connect, TimeSpan FirstByte, TimeSpan Idle)
{
    /// <summary>How long an upstream error body may take to arrive: the idle timeout, at most 10 s.</summary>
    public TimeSpan ErrorBody => Idle < TimeSpan.FromSeconds(10) ? Idle : TimeSpan.FromSeconds(10);
}
