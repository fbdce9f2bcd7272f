using System.Text.Json;
using Nemo.Grains.Storage;
using Nemo.Runtime.Membership;
using Nemo.Runtime.Partitions;
using Npgsql;
using NpgsqlTypes;

namespace Nemo.Runtime.Storage;

/// <summary>
/// Grain state as a JSON document in <c>nemo.grain_state</c>.
/// Guarantees: a write succeeds only if (a) the stored ETag is the one this activation read or wrote
/// last, and (b) this silo still holds the partition's lease at the epoch it serves under — so a
/// silo that lost its lease (a stale epoch) can never overwrite the new owner's state.
/// </summary>
internal sealed class PostgresPersistentState<TState>(
    NemoDatabase database,
    LocalOwnership ownership,
    SiloIdentity silo,
    string stateId,
    int partition) : IPersistentState<TState> where TState : class, new()
{
    public TState State { get; set; } = new();

    public long ETag { get; private set; }

    public bool RecordExists => ETag > 0;

    public async Task ReadAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand("SELECT etag, payload FROM nemo.grain_state WHERE grain_id = @id");
        command.Parameters.AddWithValue("id", stateId);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        if (await reader.ReadAsync(cancellationToken))
        {
            ETag = reader.GetInt64(0);
            State = JsonSerializer.Deserialize<TState>(reader.GetString(1)) ?? new TState();
        }
        else
        {
            ETag = 0;
            State = new TState();
        }
    }

    public async Task WriteAsync(CancellationToken cancellationToken)
    {
        if (!ownership.TryGetEpoch(partition, out long epoch))
            throw new StateConflictException($"Silo {silo.SiloId} no longer holds partition {partition}; state '{stateId}' was not written.");
        string sql = ETag == 0
            ? """
              INSERT INTO nemo.grain_state (grain_id, partition, etag, epoch, payload)
              SELECT @id, @partition, 1, @epoch, @payload
              WHERE EXISTS (SELECT 1 FROM nemo.partition_leases WHERE partition = @partition AND epoch = @epoch AND owner_silo = @silo)
              ON CONFLICT (grain_id) DO NOTHING
              """
            : """
              UPDATE nemo.grain_state SET etag = etag + 1, epoch = @epoch, payload = @payload, updated_at = now()
              WHERE grain_id = @id AND etag = @etag
                AND EXISTS (SELECT 1 FROM nemo.partition_leases WHERE partition = @partition AND epoch = @epoch AND owner_silo = @silo)
              """;
        await using NpgsqlCommand command = database.DataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("id", stateId);
        command.Parameters.AddWithValue("partition", partition);
        command.Parameters.AddWithValue("epoch", epoch);
        command.Parameters.AddWithValue("silo", silo.SiloId);
        command.Parameters.AddWithValue("etag", ETag);
        command.Parameters.Add(new NpgsqlParameter("payload", NpgsqlDbType.Jsonb) { Value = JsonSerializer.Serialize(State) });
        if (await command.ExecuteNonQueryAsync(cancellationToken) != 1)
            throw new StateConflictException(
                $"Write of grain state '{stateId}' refused: its ETag {ETag} is stale or partition {partition}'s lease epoch {epoch} was superseded.");
        ETag++;
    }
}
