namespace Nemo.Launcher.Infrastructure;

/// <summary>
/// An exclusive lock on <c>.nemo/run/launcher.lock</c> held while an <c>up</c> or <c>bench</c>
/// launcher is alive, so two of them can't start clusters over each other. .NET takes a
/// flock(2) for <see cref="FileShare.None"/>, and the kernel drops it when the process dies.
/// </summary>
internal sealed class LauncherLock : IDisposable
{
    private readonly FileStream _stream;

    private LauncherLock(FileStream stream) => _stream = stream;

    public static LauncherLock? TryAcquire(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            using (var writer = new StreamWriter(stream, leaveOpen: true))
            {
                writer.Write(Environment.ProcessId);
            }

            return new LauncherLock(stream);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => _stream.Dispose();
}
