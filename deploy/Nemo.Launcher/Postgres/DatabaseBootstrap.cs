using Nemo.Launcher.Infrastructure;
using Npgsql;

namespace Nemo.Launcher.Postgres;

/// <summary>
/// Creates the owner role (<see cref="PostgresEndpoint.OwnerRole"/>: LOGIN, CREATEROLE for the migration
/// that creates <c>nemo_app</c>, never SUPERUSER or BYPASSRLS) and the application database it owns, if
/// missing. Schema migrations are the Nemo hosts' job; they run as the owner.
/// </summary>
internal static class DatabaseBootstrap
{
    private const string DuplicateDatabase = "42P04";
    private const string DuplicateRole = "42710";

    /// <summary>Returns the connection string Nemo's nodes use.</summary>
    public static async Task<string> EnsureDatabaseAsync(PostgresEndpoint endpoint, string database, string ownerPassword, CancellationToken cancellationToken)
    {
        var connectionString = endpoint.ConnectionString(PostgresEndpoint.AdminDatabase) + ";Pooling=false;Timeout=15";
        var owner = PostgresEndpoint.OwnerRole;
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);

            // Role and database names are our own constants; the password is our own base62 (CREATE ROLE takes no parameters).
            try
            {
                await ExecuteAsync(connection, $"CREATE ROLE {owner} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB CREATEROLE NOREPLICATION PASSWORD '{ownerPassword}'", cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == DuplicateRole)
            {
                await ExecuteAsync(connection, $"ALTER ROLE {owner} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '{ownerPassword}'", cancellationToken);
            }

            await using var exists = new NpgsqlCommand("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", connection);
            exists.Parameters.Add(new NpgsqlParameter { Value = database });
            if (await exists.ExecuteScalarAsync(cancellationToken) is string databaseOwner)
            {
                if (databaseOwner != owner)
                {
                    // Created by an earlier ./nemo, which ran Nemo as the superuser: its tables belong to postgres.
                    Console.Error.WriteLine(
                        $"nemo: warning: database '{database}' belongs to '{databaseOwner}' (made by an older ./nemo), so Nemo keeps connecting as the superuser here. "
                        + $"To run it as the non-superuser owner '{owner}', as in production, start over: ./nemo down && rm -rf .nemo/pg .nemo/state/pg_password .nemo/state/pg_owner_password");
                    return endpoint.ConnectionString(database);
                }

                return OwnerConnectionString(endpoint, database, ownerPassword);
            }

            try
            {
                await ExecuteAsync(connection, $"CREATE DATABASE \"{database}\" OWNER {owner}", cancellationToken);
                Console.Error.WriteLine($"nemo: created database '{database}' owned by '{owner}'");
            }
            catch (PostgresException e) when (e.SqlState == DuplicateDatabase)
            {
                // Another launcher created it at the same moment: fine.
            }

            return OwnerConnectionString(endpoint, database, ownerPassword);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new LauncherException(
                $"could not connect to the private PostgreSQL on 127.0.0.1:{endpoint.Port} as 'postgres': {e.Message} (the password is in .nemo/state/pg_password; if it no longer matches, delete .nemo/pg and .nemo/state/pg_password to start over)");
        }
    }

    private static string OwnerConnectionString(PostgresEndpoint endpoint, string database, string ownerPassword) =>
        $"Host=127.0.0.1;Port={endpoint.Port};Username={PostgresEndpoint.OwnerRole};Password={ownerPassword};Database={database}";

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
