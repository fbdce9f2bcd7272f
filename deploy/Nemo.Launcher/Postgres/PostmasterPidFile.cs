namespace Nemo.Launcher.Postgres;

/// <summary>
/// The first lines of <c>postmaster.pid</c>: pid, data directory, start time, port. Present
/// while the server runs (or after a crash, which pg_ctl detects and handles).
/// </summary>
internal sealed record PostmasterPidFile(int Pid, int Port)
{
    public static PostmasterPidFile? TryRead(string dataDirectory)
    {
        try
        {
            var lines = File.ReadAllLines(Path.Combine(dataDirectory, "postmaster.pid"));
            return lines.Length >= 4 && int.TryParse(lines[0], out var pid) && int.TryParse(lines[3], out var port)
                ? new PostmasterPidFile(pid, port)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
