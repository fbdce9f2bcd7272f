namespace Nemo.Gateway.Proxy;

/// <summary>
/// What reaching the upstream took, for the request log of a request that then failed: the attempts made
/// (retries and fallbacks included) and the provider that answered or failed last.
/// </summary>
internal readonly record struct UpstreamTries(int Attempts, string ServedBy);
