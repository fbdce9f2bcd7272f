using Npgsql;

namespace Nemo.Tests.Infrastructure;

/// <summary>
/// A fresh PostgreSQL database for one test class, on the server named by NEMO_TEST_POSTGRES
/// (`./nemo test` starts a private server and sets it). Dropped when the class is done.
/// </summary>
public sealed class TestDatabase : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public string Name { get; } = "nemo_test_" + Guid.NewGuid().ToString("N")[..16];

    private static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("NEMO_TEST_POSTGRES")
        ?? throw new InvalidOperationException(
            "NEMO_TEST_POSTGRES is not set. Run the tests with `./nemo test`, which starts a private PostgreSQL and sets it, " +
            "or set it to a superuser connection string, e.g. Host=127.0.0.1;Port=54329;Username=postgres;Password=…;Database=postgres.");

    public async ValueTask InitializeAsync()
    {
        await using var admin = new NpgsqlConnection(ServerConnectionString);
        await admin.OpenAsync();
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {Name}", admin))
            await create.ExecuteNonQueryAsync();
        ConnectionString = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = Name, MaxPoolSize = 50 }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(ServerConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach ((string name, object value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach ((string name, object value) in parameters)
            command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }
}
