using System.Reflection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Nemo.Persistence.Database;

/// <summary>
/// Applies the embedded SQL migrations in order, each in its own transaction, under a PostgreSQL
/// advisory lock so that nodes starting together don't race. Idempotent: applied versions are recorded
/// in <c>nemo.schema_migrations</c> and skipped.
/// </summary>
public sealed partial class Migrator(NemoDatabase database, ILogger<Migrator> logger)
{
    private const long AdvisoryLockKey = 0x4E454D4F_00000001; // "NEMO" + 1

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection))
        {
            lockCommand.Parameters.AddWithValue("key", AdvisoryLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            await using (var init = new NpgsqlCommand(
                "CREATE SCHEMA IF NOT EXISTS nemo; CREATE TABLE IF NOT EXISTS nemo.schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());",
                connection))
            {
                await init.ExecuteNonQueryAsync(cancellationToken);
            }
            var applied = new HashSet<string>();
            await using (var read = new NpgsqlCommand("SELECT version FROM nemo.schema_migrations", connection))
            await using (NpgsqlDataReader reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                    applied.Add(reader.GetString(0));
            }
            foreach ((string version, string sql) in Migrations())
            {
                if (applied.Contains(version))
                    continue;
                await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(cancellationToken);
                await using (var apply = new NpgsqlCommand(sql, connection, tx))
                    await apply.ExecuteNonQueryAsync(cancellationToken);
                await using (var record = new NpgsqlCommand("INSERT INTO nemo.schema_migrations (version) VALUES (@v)", connection, tx))
                {
                    record.Parameters.AddWithValue("v", version);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
                await tx.CommitAsync(cancellationToken);
                LogApplied(version);
            }
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            unlock.Parameters.AddWithValue("key", AdvisoryLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static IEnumerable<(string Version, string Sql)> Migrations()
    {
        Assembly assembly = typeof(Migrator).Assembly;
        foreach (string name in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using Stream stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            string[] parts = name.Split('.');
            yield return (parts[^2], reader.ReadToEnd());
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Applied migration {Version}")]
    private partial void LogApplied(string version);
}
