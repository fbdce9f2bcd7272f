namespace Nemo.Launcher.Infrastructure;

/// <summary>The last lines of a log file, for failure messages.</summary>
internal static class LogTail
{
    public static string Read(string path, int lines = 40)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().TrimEnd().Split('\n');
            var tail = all.Length <= lines ? all : all[^lines..];
            return string.Join('\n', tail.Select(line => "    | " + line.TrimEnd('\r')));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"    ({path} could not be read: {e.Message})";
        }
    }
}
