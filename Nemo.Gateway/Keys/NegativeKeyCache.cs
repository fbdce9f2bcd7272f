using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Nemo.Gateway.Keys;

/// <summary>
/// Key hashes that named no key a moment ago, shared by the LLM routes (<see cref="ApiKeyCache"/>) and
/// the admin API's authenticator, so repeating a bad key is answered from memory: entries expire after
/// <c>Nemo:Auth:NegativeCacheTtl</c> (timed by <see cref="TimeProvider"/>), the set is bounded by
/// <c>NegativeCacheSize</c>, and a key-change NOTIFY for a hash removes it at once (see
/// <see cref="KeyChangeListener"/>). Hand-written rather than <c>MemoryCache</c> because expiry must
/// follow the injected <see cref="TimeProvider"/> (MemoryCache takes only the obsolete ISystemClock)
/// and the only operations needed are add, test and remove.
/// </summary>
internal sealed class NegativeKeyCache(TimeProvider time, IOptions<KeyProtectionOptions> options)
{
    private readonly ConcurrentDictionary<KeyHash, long> _unknown = new();

    public int Count => _unknown.Count;

    public bool Contains(KeyHash hash)
    {
        if (!_unknown.TryGetValue(hash, out long since))
            return false;
        if (time.GetElapsedTime(since) < options.Value.NegativeCacheTtl)
            return true;
        _unknown.TryRemove(new KeyValuePair<KeyHash, long>(hash, since));
        return false;
    }

    /// <summary>Remembers an unknown hash; when full, expired entries are dropped first, and if none are, it isn't remembered.</summary>
    public void Add(KeyHash hash)
    {
        KeyProtectionOptions o = options.Value;
        if (_unknown.Count >= o.NegativeCacheSize)
        {
            foreach ((KeyHash old, long since) in _unknown)
            {
                if (time.GetElapsedTime(since) >= o.NegativeCacheTtl)
                    _unknown.TryRemove(new KeyValuePair<KeyHash, long>(old, since));
            }
            if (_unknown.Count >= o.NegativeCacheSize)
                return; // still full of live entries: the per-address failure limit bounds the load instead
        }
        _unknown[hash] = time.GetTimestamp();
    }

    public void Remove(KeyHash hash) => _unknown.TryRemove(hash, out _);

    /// <summary>After a reconnect of the change listener (notifications may have been missed).</summary>
    public void Clear() => _unknown.Clear();
}
