using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Postgres;

/// <summary>Settings of the private PostgreSQL cluster, from the environment.</summary>
internal sealed record PostgresSettings(int Port)
{
    public const string PortVariable = "NEMO_PG_PORT";

    /// <summary>Default port; away from 5432 so Debian's own "15 main" cluster never collides.</summary>
    public const int DefaultPort = 54329;

    public static PostgresSettings FromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(PortVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return new PostgresSettings(DefaultPort);
        }

        return int.TryParse(text, out var port) && port is > 0 and < 65536
            ? new PostgresSettings(port)
            : throw new LauncherException($"{PortVariable} must be a TCP port number between 1 and 65535 (currently '{text}')");
    }
}
