using System.Text;

namespace Nemo.Launcher.Postgres;

/// <summary>
/// The launcher's settings for the private server, in <c>data/nemo.conf</c>, included from
/// postgresql.conf once after initdb and rewritten before every start (so NEMO_PG_PORT applies).
/// </summary>
internal static class PostgresConfig
{
    public const string FileName = "nemo.conf";

    /// <summary>Linux caps a unix socket path at 107 bytes (sun_path).</summary>
    private const int MaxSocketPath = 107;

    public static string Render(int port, string socketDirectory)
    {
        var socketPath = Path.Combine(socketDirectory, $".s.PGSQL.{port}");
        var socketLine = Encoding.UTF8.GetByteCount(socketPath) <= MaxSocketPath
            ? $"unix_socket_directories = '{socketDirectory.Replace("'", "''")}'"
            : "unix_socket_directories = ''  # the repository path is too long for a unix socket (107 bytes): TCP only";
        return $"""
            # Written by ./nemo (deploy/Nemo.Launcher) before every start: change NEMO_PG_PORT, not this file.
            listen_addresses = '127.0.0.1'
            port = {port}
            {socketLine}
            password_encryption = 'scram-sha-256'
            # Sized for the test suite: many databases and pools at once on one machine.
            max_connections = 300
            shared_buffers = '256MB'
            # Durability stays honest: ledger tests must see what production would.
            fsync = on

            """;
    }

    public static string IncludeLine => $"\ninclude '{FileName}'\n";
}
