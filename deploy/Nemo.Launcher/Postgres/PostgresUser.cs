using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Postgres;

/// <summary>
/// PostgreSQL refuses to run as root, so when the launcher is root its server tools run as the
/// <c>postgres</c> OS user (created by Debian's package) through <c>runuser</c>, and the files
/// they use are handed to that user. As any other user, the tools simply run as that user.
/// </summary>
internal sealed class PostgresUser(PostgresBinaries binaries, string workingDirectory)
{
    private const string UserName = "postgres";

    public static bool IsSeparateUser => ProcessSignals.IsRoot;

    public Task<CommandResult> RunAsync(string tool, IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var executable = binaries.Tool(tool);
        return IsSeparateUser
            ? ExternalCommand.CaptureAsync("runuser", ["-u", UserName, "--", executable, .. arguments], workingDirectory, cancellationToken)
            : ExternalCommand.CaptureAsync(executable, arguments, workingDirectory, cancellationToken);
    }

    /// <summary>Gives files and directories (not recursively) to the postgres user when running as root.</summary>
    public static async Task GiveAsync(params string[] paths)
    {
        if (!IsSeparateUser)
        {
            return;
        }

        var result = await ExternalCommand.CaptureAsync("chown", [$"{UserName}:{UserName}", .. paths]);
        if (!result.Succeeded)
        {
            throw new LauncherException(
                $"could not hand {string.Join(", ", paths)} to the '{UserName}' OS user: {result.Output} (is PostgreSQL installed? apt-get install -y postgresql creates that user)");
        }
    }

    /// <summary>
    /// The postgres user must be able to traverse every directory above <c>.nemo/pg</c>
    /// (a clone under /root, mode 0700, would stop it). Adds only the search bit (o+x) where it
    /// is missing, never read access, and says so.
    /// </summary>
    public static void EnsureTraversable(string directory)
    {
        if (!IsSeparateUser)
        {
            return;
        }

        for (var dir = new DirectoryInfo(directory).Parent; dir is not null; dir = dir.Parent)
        {
            var mode = File.GetUnixFileMode(dir.FullName);
            if ((mode & UnixFileMode.OtherExecute) != 0)
            {
                continue;
            }

            File.SetUnixFileMode(dir.FullName, mode | UnixFileMode.OtherExecute);
            Console.Error.WriteLine($"nemo: added o+x to {dir.FullName} so the postgres OS user can reach .nemo/pg");
        }
    }
}
