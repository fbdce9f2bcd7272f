using Nemo.Tests.Infrastructure;
using Npgsql;

namespace Nemo.Tests.Gateway;

/// <summary>
/// Stalls the usage ledger: a test connection holds an EXCLUSIVE lock on nemo.usage_events, so every
/// settle's insert waits until the connection is disposed.
/// </summary>
internal static class LedgerStall
{
    public static async Task<NpgsqlConnection> LockAsync(TestDatabase database)
    {
        var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using (var begin = new NpgsqlCommand("BEGIN; LOCK TABLE nemo.usage_events IN EXCLUSIVE MODE;", connection))
            await begin.ExecuteNonQueryAsync();
        return connection;
    }

    /// <summary>Waits until some backend's statement on usage_events waits for a lock: a settle is in flight and stalled.</summary>
    public static async Task WaitForBlockedInsertAsync(TestDatabase database, CancellationToken cancellationToken)
    {
        while (await database.ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%usage_events%'") == 0)
            await Task.Delay(20, cancellationToken);
    }

    public static Task<long> CountAsync(TestDatabase database, Guid requestId) =>
        database.ScalarAsync<long>("SELECT count(*) FROM nemo.usage_events WHERE request_id = @id", ("id", requestId));
}
