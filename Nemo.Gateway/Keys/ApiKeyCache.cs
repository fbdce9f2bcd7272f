using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Nemo.Gateway.Telemetry;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Gateway.Keys;

/// <summary>
/// Key hash → (organization, team, key, owner role), in memory. Loaded whole at start, kept fresh by
/// change notifications (<see cref="KeyChangeListener"/>) and a periodic full reload; the request path
/// reads only memory. A key not in memory (created a moment ago on another gateway whose notification
/// hasn't arrived) is looked up once in the database — concurrent misses for one hash share that
/// lookup — and unknown hashes are remembered briefly (<see cref="NegativeKeyCache"/>) so a flood of bad
/// keys can't turn into a flood of queries.
///
/// A rotated key with a grace period has two entries: its new secret's hash, and its previous secret's
/// hash marked superseded and expiring when the grace period ends, so the old secret stops working at
/// that instant on every gateway without any further notification.
/// </summary>
internal sealed partial class ApiKeyCache(NemoDatabase database, NegativeKeyCache unknown, NemoMetrics metrics, ILogger<ApiKeyCache> logger)
{
    private const string SelectSql =
        """
        SELECT k.key_hash, k.id, k.organization_id, k.team_id, k.user_id, coalesce(m.role, 'member'), k.status, k.expires_at,
               k.previous_key_hash, k.previous_expires_at
        FROM nemo.api_keys k
        JOIN nemo.organizations o ON o.id = k.organization_id AND o.status = 'active'
        LEFT JOIN nemo.memberships m ON m.user_id = k.user_id AND m.organization_id = k.organization_id
        """;

    private volatile ConcurrentDictionary<KeyHash, KeyEntry> _entries = new();
    private readonly ConcurrentDictionary<KeyHash, Lazy<Task<KeyEntry?>>> _loading = new();

    public int Count => _entries.Count;

    public bool TryGet(KeyHash hash, out KeyEntry entry) => _entries.TryGetValue(hash, out entry!);

    /// <summary>Memory first; on a miss, one database lookup shared by concurrent callers (none for a hash recently found unknown).</summary>
    public async ValueTask<KeyEntry?> FindAsync(KeyHash hash, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(hash, out KeyEntry? entry))
        {
            metrics.KeyLookup(hit: true);
            return entry;
        }
        metrics.KeyLookup(hit: false);
        if (unknown.Contains(hash))
            return null;
        Lazy<Task<KeyEntry?>> load = _loading.GetOrAdd(hash, h => new Lazy<Task<KeyEntry?>>(() => LoadMissAsync(h)));
        return await load.Value.WaitAsync(cancellationToken);
    }

    /// <summary>Not cancelled by any one caller: others may be waiting for it.</summary>
    private async Task<KeyEntry?> LoadMissAsync(KeyHash hash)
    {
        try
        {
            KeyEntry? entry = await LoadOneAsync(hash, CancellationToken.None);
            if (entry is null)
                unknown.Add(hash);
            else
                Put(hash, entry);
            return entry;
        }
        finally
        {
            _loading.TryRemove(hash, out _);
        }
    }

    public void Put(KeyHash hash, KeyEntry entry)
    {
        _entries[hash] = entry;
        unknown.Remove(hash);
    }

    public async Task ReloadAllAsync(CancellationToken cancellationToken)
    {
        var fresh = new ConcurrentDictionary<KeyHash, KeyEntry>();
        await using NpgsqlCommand command = database.DataSource.CreateCommand(SelectSql);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            KeyEntry entry = Read(reader);
            fresh[KeyHash.FromBytes(reader.GetFieldValue<byte[]>(0))] = entry;
            if (Previous(reader, entry) is { } previous)
                fresh[previous.Hash] = previous.Entry;
        }
        _entries = fresh;
        unknown.Clear(); // notifications may have been missed before this full reload
        LogReloaded(fresh.Count);
    }

    /// <summary>Re-reads one key after a change notification (removes it if it no longer exists).</summary>
    public async Task ReloadOneAsync(KeyHash hash, CancellationToken cancellationToken)
    {
        KeyEntry? entry = await LoadOneAsync(hash, cancellationToken);
        if (entry is null)
            _entries.TryRemove(hash, out _);
        else
            Put(hash, entry);
    }

    /// <summary>Re-reads every key of an organization (role or organization changes).</summary>
    public async Task ReloadOrganizationAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        foreach ((KeyHash hash, KeyEntry entry) in _entries)
        {
            if (entry.OrganizationId == organizationId)
                await ReloadOneAsync(hash, cancellationToken);
        }
    }

    private async Task<KeyEntry?> LoadOneAsync(KeyHash hash, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(SelectSql + " WHERE k.key_hash = @hash OR k.previous_key_hash = @hash");
        command.Parameters.AddWithValue("hash", hash.ToBytes());
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        KeyEntry entry = Read(reader);
        if (KeyHash.FromBytes(reader.GetFieldValue<byte[]>(0)) == hash)
            return entry;
        return Previous(reader, entry) is { } previous && previous.Hash == hash ? previous.Entry : null;
    }

    /// <summary>The previous secret's entry while a rotation's grace period lasts (it expires by itself).</summary>
    private static (KeyHash Hash, KeyEntry Entry)? Previous(NpgsqlDataReader reader, KeyEntry current)
    {
        if (reader.IsDBNull(8) || reader.IsDBNull(9))
            return null;
        DateTimeOffset graceEnds = reader.GetFieldValue<DateTimeOffset>(9);
        DateTimeOffset expires = current.ExpiresAt is { } own && own < graceEnds ? own : graceEnds;
        return (KeyHash.FromBytes(reader.GetFieldValue<byte[]>(8)), current with { ExpiresAt = expires, Superseded = true });
    }

    private static KeyEntry Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(1), reader.GetGuid(2), reader.GetGuid(3),
        reader.IsDBNull(4) ? null : reader.GetGuid(4),
        TenancyNames.ParseRole(reader.GetString(5)),
        TenancyNames.ParseKeyStatus(reader.GetString(6)),
        reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7));

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Key cache loaded {Count} keys")]
    private partial void LogReloaded(int count);
}
