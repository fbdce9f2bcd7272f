namespace Nemo.Launcher.Cluster;

/// <summary>
/// Keeps the logs of previous runs: before a child starts writing <c>name.log</c> afresh, the existing
/// files move up one place (<c>name.log</c> → <c>name.1.log</c> → <c>name.2.log</c> …) and the oldest
/// beyond <see cref="Kept"/> is deleted. A child's log is written by the shell's redirection, not a
/// logging library, so rotation is done here once per start rather than by size while running.
/// </summary>
internal static class LogRotation
{
    /// <summary>How many previous logs are kept beside the current one.</summary>
    public const int Kept = 5;

    public static void Rotate(string logFile, int kept = Kept)
    {
        if (!File.Exists(logFile))
            return;
        string directory = Path.GetDirectoryName(logFile)!;
        string stem = Path.GetFileNameWithoutExtension(logFile);
        string extension = Path.GetExtension(logFile);
        string Numbered(int n) => Path.Combine(directory, $"{stem}.{n}{extension}");

        File.Delete(Numbered(kept));
        for (int n = kept - 1; n >= 1; n--)
        {
            if (File.Exists(Numbered(n)))
                File.Move(Numbered(n), Numbered(n + 1), overwrite: true);
        }
        File.Move(logFile, Numbered(1), overwrite: true);
    }
}
