namespace Nemo.Launcher.Postgres;

/// <summary>A running private PostgreSQL and how to reach it.</summary>
/// <param name="StartedHere">True if this launcher invocation started the server (and so may stop it).</param>
internal sealed record PostgresEndpoint(int Port, string Password, int Pid, bool StartedHere)
{
    public const string AppDatabase = "nemo";
    public const string AdminDatabase = "postgres";

    /// <summary>The login role that owns the <c>nemo</c> database and that Nemo connects as: not a superuser, no BYPASSRLS.</summary>
    public const string OwnerRole = "nemo_owner";

    /// <summary>Superuser connection string: <c>Host=127.0.0.1;Port=…;Username=postgres;Password=…;Database=…</c>.</summary>
    public string ConnectionString(string database = AppDatabase) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Password={Password};Database={database}";

    /// <summary>
    /// What Nemo's nodes connect with: the owner role, as in production, so that row-level security and the
    /// switch to <c>nemo_app</c> are what protect tenants. Null until <see cref="DatabaseBootstrap"/> set it up.
    /// </summary>
    public string? AppConnectionString { get; init; }

    public string Url => $"postgresql://127.0.0.1:{Port}/{AppDatabase}";
}
