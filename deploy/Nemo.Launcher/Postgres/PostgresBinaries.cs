namespace Nemo.Launcher.Postgres;

/// <summary>One installed PostgreSQL server version (Debian layout: /usr/lib/postgresql/{major}/bin).</summary>
internal sealed record PostgresBinaries(string BinDirectory, int Major)
{
    public string Tool(string name) => Path.Combine(BinDirectory, name);
}
