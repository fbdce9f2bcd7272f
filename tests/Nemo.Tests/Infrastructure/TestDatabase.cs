using System.Security.Cryptography;
using Npgsql;

namespace Nemo.Tests.Infrastructure;

/// <summary>
/// A fresh PostgreSQL database for one test class, on the server named by NEMO_TEST_POSTGRES
/// (`./nemo test` starts a private server and sets it). Dropped, with its owner role, when the class is done.
/// </summary>
/// <remarks>
/// The product runs with the roles it has in production, not as the superuser NEMO_TEST_POSTGRES names:
/// each database gets its own login role <see cref="OwnerRole"/> (NOSUPERUSER NOBYPASSRLS) that owns it,
/// and <see cref="ConnectionString"/> — what the gateways, silos and cluster nodes connect with — logs in
/// as that role. So the migrations run as the owner (it owns every table, which is how the runtime
/// passes row-level security), and the admin API's tenant transactions must switch to <c>nemo_app</c>
/// to see anything through row-level security. The owner has CREATEROLE and nothing else beyond
/// LOGIN: 0002_tenancy.sql creates the cluster-wide role <c>nemo_app</c> when it is missing and runs
/// <c>GRANT nemo_app TO current_user</c> (SET LOCAL ROLE needs the membership); on PostgreSQL 15 both
/// need CREATEROLE (docs/TENANCY.md "Operations: creating the role"). CREATEROLE can't create or grant
/// SUPERUSER or BYPASSRLS. Test code that needs superuser rights (ALTER DATABASE, other roles'
/// sessions, SET row_security = off controls) uses <see cref="AdminConnectionString"/>;
/// <see cref="ScalarAsync{T}"/> and <see cref="ExecuteAsync"/> seed and inspect as the owner.
/// </remarks>
public sealed class TestDatabase : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..16];

    public TestDatabase()
    {
        Name = "nemo_test_" + _suffix;
        OwnerRole = "nemo_owner_" + _suffix;
    }

    /// <summary>The product's connection string: the database's owner role, not a superuser.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The superuser's connection string to this database, for test code that needs superuser rights.</summary>
    public string AdminConnectionString { get; private set; } = "";

    public string Name { get; }

    /// <summary>The application_name of <see cref="AdminConnectionString"/>'s sessions, to tell them from the product's in pg_stat_activity.</summary>
    public const string AdminApplicationName = "nemo-tests-superuser";

    /// <summary>The login role that owns the database and runs the product (LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS).</summary>
    public string OwnerRole { get; }

    private static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("NEMO_TEST_POSTGRES")
        ?? throw new InvalidOperationException(
            "NEMO_TEST_POSTGRES is not set. Run the tests with `./nemo test`, which starts a private PostgreSQL and sets it, " +
            "or set it to a superuser connection string, e.g. Host=127.0.0.1;Port=54329;Username=postgres;Password=…;Database=postgres.");

    public async ValueTask InitializeAsync()
    {
        string password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        await using var admin = new NpgsqlConnection(ServerConnectionString);
        await admin.OpenAsync();
        // Names and password are our own hex; CREATE ROLE and CREATE DATABASE take no parameters.
        await using (var role = new NpgsqlCommand(
            $"CREATE ROLE {OwnerRole} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB CREATEROLE NOREPLICATION PASSWORD '{password}'", admin))
            await role.ExecuteNonQueryAsync();
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {Name} OWNER {OwnerRole}", admin))
            await create.ExecuteNonQueryAsync();
        AdminConnectionString = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = Name, MaxPoolSize = 10, ApplicationName = AdminApplicationName }.ConnectionString;
        ConnectionString = new NpgsqlConnectionStringBuilder(ServerConnectionString)
        {
            Database = Name,
            Username = OwnerRole,
            Password = password,
            MaxPoolSize = 50,
        }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(ServerConnectionString);
        await admin.OpenAsync();
        await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", admin))
            await drop.ExecuteNonQueryAsync();
        // The role owned nothing outside its database; its membership in nemo_app goes with it.
        await using (var dropRole = new NpgsqlCommand($"DROP ROLE IF EXISTS {OwnerRole}", admin))
            await dropRole.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Makes the database unreachable to the product (no new connections, existing ones terminated) or
    /// reachable again: a PostgreSQL outage as the product sees it.
    /// </summary>
    public async Task SetConnectionsAllowedAsync(bool allowed)
    {
        await using var admin = new NpgsqlConnection(ServerConnectionString);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand(allowed
            ? $"ALTER DATABASE {Name} WITH ALLOW_CONNECTIONS true"
            : $"ALTER DATABASE {Name} WITH ALLOW_CONNECTIONS false; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{Name}'", admin);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>One value, on the owner's connection (what the product uses).</summary>
    public Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters) =>
        ScalarOnAsync<T>(ConnectionString, sql, parameters);

    /// <summary>One value, as the superuser.</summary>
    public Task<T> AdminScalarAsync<T>(string sql, params (string Name, object Value)[] parameters) =>
        ScalarOnAsync<T>(AdminConnectionString, sql, parameters);

    /// <summary>A statement on the owner's connection (what the product uses).</summary>
    public Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters) =>
        ExecuteOnAsync(ConnectionString, sql, parameters);

    /// <summary>A statement as the superuser.</summary>
    public Task AdminExecuteAsync(string sql, params (string Name, object Value)[] parameters) =>
        ExecuteOnAsync(AdminConnectionString, sql, parameters);

    private static async Task<T> ScalarOnAsync<T>(string connectionString, string sql, (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach ((string name, object value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteOnAsync(string connectionString, string sql, (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach ((string name, object value) in parameters)
            command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }
}
