using System.Text.Json;
using Nemo.Grains.Storage;
using Nemo.Persistence.Database;
using Npgsql;
using NpgsqlTypes;

namespace Nemo.Persistence.Fencing;

/// <summary>
/// Organization epochs in <c>nemo.organization_activations</c> (see <see cref="IActivationFence"/>).
/// Taking an epoch locks the row, so it waits for ledger commits that hold it FOR SHARE under the old
/// epoch, and after it those are refused. An unclean takeover is announced on the
/// <see cref="ActivationChannel"/> channel, so that gateways re-present the reservations they hold.
/// </summary>
internal sealed class PostgresActivationFence(NemoDatabase database) : IActivationFence
{
    /// <summary>LISTEN/NOTIFY channel; the payload is "organization id:epoch" (<see cref="UncleanActivation"/>).</summary>
    public const string ActivationChannel = "nemo_unclean_activation";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<ActivationEpoch> TakeAsync(Guid organizationId, string silo, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(cancellationToken);
        bool previousActive = false, rowExisted = false;
        List<HeldReservation> handedOver = [];
        await using (var read = new NpgsqlCommand(
            "SELECT active, held FROM nemo.organization_activations WHERE organization_id = @org FOR UPDATE", connection, tx))
        {
            read.Parameters.AddWithValue("org", organizationId);
            await using NpgsqlDataReader reader = await read.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                rowExisted = true;
                previousActive = reader.GetBoolean(0);
                handedOver = JsonSerializer.Deserialize<List<HeldReservation>>(reader.GetString(1), Json) ?? [];
            }
        }
        long epoch;
        await using (var take = new NpgsqlCommand(
            """
            INSERT INTO nemo.organization_activations AS a (organization_id, epoch, active, silo)
            VALUES (@org, 1, true, @silo)
            ON CONFLICT (organization_id) DO UPDATE
                SET epoch = a.epoch + 1, active = true, silo = excluded.silo, held = '[]'::jsonb, activated_at = now(), ended_at = NULL
            RETURNING epoch
            """, connection, tx))
        {
            take.Parameters.AddWithValue("org", organizationId);
            take.Parameters.AddWithValue("silo", silo);
            epoch = (long)(await take.ExecuteScalarAsync(cancellationToken))!;
        }
        await using (var prune = new NpgsqlCommand(
            "DELETE FROM nemo.reasserted_reservations WHERE organization_id = @org AND epoch < @epoch", connection, tx))
        {
            // Re-presentations for earlier activations are of no use any more.
            prune.Parameters.AddWithValue("org", organizationId);
            prune.Parameters.AddWithValue("epoch", epoch);
            await prune.ExecuteNonQueryAsync(cancellationToken);
        }
        // No row was seen but the insert found one: another activation created it concurrently and may run.
        bool unclean = previousActive || (!rowExisted && epoch > 1);
        if (unclean)
        {
            await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection, tx);
            notify.Parameters.AddWithValue("channel", ActivationChannel);
            notify.Parameters.AddWithValue("payload", UncleanActivation.Format(organizationId, epoch));
            await notify.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
        return new ActivationEpoch(epoch, unclean, handedOver);
    }

    public async Task<IReadOnlySet<Guid>> FencedAmongAsync(IReadOnlyCollection<KeyValuePair<Guid, long>> activations, CancellationToken cancellationToken)
    {
        var fenced = new HashSet<Guid>();
        if (activations.Count == 0)
            return fenced;
        await using NpgsqlCommand command = database.DataSource.CreateCommand(
            """
            SELECT x.org FROM unnest(@orgs, @epochs) AS x(org, epoch)
            LEFT JOIN nemo.organization_activations a ON a.organization_id = x.org
            WHERE a.epoch IS DISTINCT FROM x.epoch
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("orgs", [.. activations.Select(a => a.Key)]));
        command.Parameters.Add(new NpgsqlParameter<long[]>("epochs", [.. activations.Select(a => a.Value)]));
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            fenced.Add(reader.GetGuid(0));
        return fenced;
    }

    public async Task<IReadOnlyList<HeldReservation>> ReassertedAsync(Guid organizationId, long epoch, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(
            """
            SELECT request_id, team_id, key_id, customer_id, cost, tokens FROM nemo.reasserted_reservations
            WHERE organization_id = @org AND epoch = @epoch
            """);
        command.Parameters.AddWithValue("org", organizationId);
        command.Parameters.AddWithValue("epoch", epoch);
        var held = new List<HeldReservation>();
        DateTimeOffset expiresAt = DateTimeOffset.MaxValue; // the grain sets the deadline when it holds them
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            held.Add(new HeldReservation(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetInt64(4), reader.GetInt64(5), expiresAt));
        return held;
    }

    public async Task<bool> HandOverAsync(Guid organizationId, long epoch, IReadOnlyList<HeldReservation> held, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(
            """
            UPDATE nemo.organization_activations SET active = false, held = @held, ended_at = now()
            WHERE organization_id = @org AND epoch = @epoch
            """);
        command.Parameters.AddWithValue("org", organizationId);
        command.Parameters.AddWithValue("epoch", epoch);
        command.Parameters.Add(new NpgsqlParameter("held", NpgsqlDbType.Jsonb) { Value = JsonSerializer.Serialize(held, Json) });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
