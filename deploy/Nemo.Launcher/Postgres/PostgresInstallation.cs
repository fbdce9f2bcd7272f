using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Postgres;

/// <summary>Finds the PostgreSQL server binaries Debian installed (./nemo installs them when absent).</summary>
internal static class PostgresInstallation
{
    private const string InstallRoot = "/usr/lib/postgresql";

    /// <summary>All installed versions, newest first.</summary>
    public static IReadOnlyList<PostgresBinaries> FindInstalled()
    {
        if (!Directory.Exists(InstallRoot))
        {
            return [];
        }

        return Directory.GetDirectories(InstallRoot)
            .Select(dir => (dir, major: int.TryParse(Path.GetFileName(dir), out var major) ? major : -1))
            .Where(v => v.major > 0 && File.Exists(Path.Combine(v.dir, "bin", "initdb")))
            .OrderByDescending(v => v.major)
            .Select(v => new PostgresBinaries(Path.Combine(v.dir, "bin"), v.major))
            .ToList();
    }

    /// <summary>
    /// The version that owns <paramref name="dataDirectory"/> if it was already initialized,
    /// otherwise the newest installed one.
    /// </summary>
    public static PostgresBinaries Locate(string dataDirectory)
    {
        var installed = FindInstalled();
        if (installed.Count == 0)
        {
            throw new LauncherException(
                $"PostgreSQL server binaries not found ({InstallRoot}/*/bin/initdb is absent); ./nemo installs them with apt-get, or install them by hand: apt-get install -y postgresql");
        }

        var versionFile = Path.Combine(dataDirectory, "PG_VERSION");
        if (!File.Exists(versionFile))
        {
            return installed[0];
        }

        var text = File.ReadAllText(versionFile).Trim();
        var wanted = int.TryParse(text, out var major) ? major : -1;
        return installed.FirstOrDefault(b => b.Major == wanted)
            ?? throw new LauncherException(
                $"{dataDirectory} was created by PostgreSQL {text}, but the installed version is {string.Join(", ", installed.Select(b => b.Major))}; install postgresql-{text}, or delete .nemo/pg to start over with an empty database");
    }
}
