namespace Nemo.Launcher.Postgres;

/// <summary>A running private PostgreSQL and how to reach it.</summary>
/// <param name="StartedHere">True if this launcher invocation started the server (and so may stop it).</param>
internal sealed record PostgresEndpoint(int Port, string Password, int Pid, bool StartedHere)
{
    public const string AppDatabase = "nemo";
    public const string AdminDatabase = "postgres";

    /// <summary>Superuser connection string: <c>Host=127.0.0.1;Port=…;Username=postgres;Password=…;Database=…</c>.</summary>
    public string ConnectionString(string database = AppDatabase) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Password={Password};Database={database}";

    public string Url => $"postgresql://127.0.0.1:{Port}/{AppDatabase}";
}
