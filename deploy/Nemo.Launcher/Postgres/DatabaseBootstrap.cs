using Nemo.Launcher.Infrastructure;
using Npgsql;

namespace Nemo.Launcher.Postgres;

/// <summary>Creates the application database if missing. Schema migrations are the Nemo hosts' job.</summary>
internal static class DatabaseBootstrap
{
    private const string DuplicateDatabase = "42P04";

    public static async Task EnsureDatabaseAsync(PostgresEndpoint endpoint, string database, CancellationToken cancellationToken)
    {
        var connectionString = endpoint.ConnectionString(PostgresEndpoint.AdminDatabase) + ";Pooling=false;Timeout=15";
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);

            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
            exists.Parameters.Add(new NpgsqlParameter { Value = database });
            if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return;
            }

            // CREATE DATABASE takes no parameters; the name is one of our own constants.
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
            Console.Error.WriteLine($"nemo: created database '{database}'");
        }
        catch (PostgresException e) when (e.SqlState == DuplicateDatabase)
        {
            // Another launcher created it at the same moment: fine.
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new LauncherException(
                $"could not connect to the private PostgreSQL on 127.0.0.1:{endpoint.Port} as 'postgres': {e.Message} (the password is in .nemo/state/pg_password; if it no longer matches, delete .nemo/pg and .nemo/state/pg_password to start over)");
        }
    }
}
