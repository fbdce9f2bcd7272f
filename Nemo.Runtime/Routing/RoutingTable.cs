using Microsoft.Extensions.Logging;
using Nemo.Runtime.Hosting;
using Nemo.Runtime.Storage;
using Npgsql;

namespace Nemo.Runtime.Routing;

/// <summary>
/// Which silo (by address) owns each partition, and under which lease epoch, as last read from the
/// lease table. Kept fresh by <see cref="RoutingRefreshService"/> and refreshed on demand when a call
/// meets a non-owner; concurrent on-demand refreshes share one query. When a partition's owner or
/// epoch moves on from what this node last saw, <see cref="OwnerChanged"/> fires (not on first load).
/// </summary>
public sealed partial class RoutingTable(NemoDatabase database, ClusterOptions options, ILogger<RoutingTable> logger)
{
    private volatile string?[] _owners = new string?[options.PartitionCount];
    private readonly long[] _lastEpoch = new long[options.PartitionCount];
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private long _version;

    /// <summary>Partitions whose owner or epoch changed, with their new owner's address.</summary>
    public event Action<IReadOnlyList<(int Partition, string Owner)>>? OwnerChanged;

    public string? OwnerOf(int partition) => _owners[partition];

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        long seen = Interlocked.Read(ref _version);
        await _refreshGate.WaitAsync(cancellationToken);
        List<(int, string)>? changed = null;
        try
        {
            if (Interlocked.Read(ref _version) != seen)
                return; // someone refreshed while we waited
            var owners = new string?[options.PartitionCount];
            await using NpgsqlCommand command = database.DataSource.CreateCommand(
                """
                SELECT l.partition, s.address, l.epoch FROM nemo.partition_leases l
                JOIN nemo.silos s ON s.silo_id = l.owner_silo
                WHERE l.expires_at > now() AND s.status = 'active'
                """);
            await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    int partition = reader.GetInt32(0);
                    if (partition >= owners.Length)
                        continue;
                    string owner = reader.GetString(1);
                    long epoch = reader.GetInt64(2);
                    owners[partition] = owner;
                    if (_lastEpoch[partition] != 0 && _lastEpoch[partition] != epoch)
                        (changed ??= []).Add((partition, owner));
                    _lastEpoch[partition] = epoch;
                }
            }
            _owners = owners;
            Interlocked.Increment(ref _version);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            LogRefreshFailed(ex);
        }
        finally
        {
            _refreshGate.Release();
        }
        if (changed is not null)
            OwnerChanged?.Invoke(changed);
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Refreshing the routing table failed; keeping the last one")]
    private partial void LogRefreshFailed(Exception exception);
}
