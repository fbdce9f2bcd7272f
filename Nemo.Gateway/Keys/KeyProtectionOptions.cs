namespace Nemo.Gateway.Keys;

/// <summary>
/// How failed authentications are kept from driving database load, bound from <c>Nemo:Auth</c> and
/// validated at start-up: unknown key hashes are remembered briefly, and a client address that keeps
/// presenting bad keys is refused (429) without any lookup until its window ends.
/// </summary>
internal sealed class KeyProtectionOptions
{
    /// <summary>How long a key hash found in no organization is answered 401 from memory (default 5 s).</summary>
    public TimeSpan NegativeCacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most unknown hashes remembered at once (default 100,000); beyond it, lookups go to the database again.</summary>
    public int NegativeCacheSize { get; set; } = 100_000;

    /// <summary>Failed authentications one client address may cause per <see cref="FailureWindow"/> (default 100); then 429.</summary>
    public int FailuresPerAddress { get; set; } = 100;

    /// <summary>The window of <see cref="FailuresPerAddress"/> (default 1 min).</summary>
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);
}
