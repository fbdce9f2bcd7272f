using System.Diagnostics;
using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Cluster;

/// <summary>
/// Starts <c>dotnet &lt;dll&gt; --urls http://127.0.0.1:{port}</c> with output to
/// <c>.nemo/logs/&lt;role&gt;-&lt;n&gt;.log</c>; the previous runs' logs are kept as
/// <c>&lt;role&gt;-&lt;n&gt;.1.log</c> … (see <see cref="LogRotation"/>).
/// </summary>
/// <remarks>
/// Each child runs in a session of its own (<c>setsid</c>), with stdin from /dev/null and its
/// output written by the shell straight to the log file, so the launcher holds no pipe to it.
/// That is what lets <c>up --detach</c> leave the cluster running after the launcher exits, and
/// it keeps a terminal's Ctrl-C (sent to the whole foreground process group) from killing the
/// children in random order: only the launcher gets it, and stops them in reverse start order.
/// setsid execs (the child is not a group leader) and so does the shell, so the pid we get is
/// the dotnet process's own.
/// </remarks>
internal sealed class ChildProcessLauncher(RepoLayout layout)
{
    // $0 is the log file and "$@" the command, so no path ever needs shell quoting.
    private const string RedirectScript = "exec \"$@\" >\"$0\" 2>&1 </dev/null";

    public ChildProcess Start(string role, int index, string dll, IReadOnlyDictionary<string, string> environment)
    {
        Directory.CreateDirectory(layout.LogsDirectory);
        var port = LoopbackPorts.PickFree();
        var url = $"http://127.0.0.1:{port}";
        var logFile = Path.Combine(layout.LogsDirectory, $"{role}-{index}.log");
        LogRotation.Rotate(logFile);

        var startInfo = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var argument in (string[])["/bin/sh", "-c", RedirectScript, logFile, DotnetHost.Path, dll, "--urls", url])
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var process = Process.Start(startInfo) ?? throw new LauncherException($"could not start {role}-{index} ({dll})");
        Console.Error.WriteLine($"nemo: started {role}-{index} (pid {process.Id}) on {url}, log {layout.Relative(logFile)}");
        return new ChildProcess(role, index, url, logFile, process);
    }
}
