using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Nemo.Tests.Cluster;

/// <summary>
/// One Nemo host (Nemo.Silo or Nemo.Gateway) as a real child process on a loopback port, built by the
/// same solution build as these tests, with its output in a log file.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;

    private NodeProcess(string role, Process process, string url, string logPath, int clusterPort)
    {
        ClusterPort = clusterPort;
        Role = role;
        _process = process;
        Url = url;
        LogPath = logPath;
    }

    public string Role { get; }

    /// <summary>The node's Orleans silo port (0 for a split gateway, which has none).</summary>
    public int ClusterPort { get; }

    public string Url { get; }

    public string LogPath { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public static NodeProcess Start(string role, string project, IDictionary<string, string> environment, string logDirectory, int clusterPort = 0)
    {
        int port = FreePort();
        string url = $"http://127.0.0.1:{port}";
        string dll = Path.Combine(RepositoryRoot, project, "bin", BuildConfiguration, "net10.0", project + ".dll");
        if (!File.Exists(dll))
            throw new FileNotFoundException($"{dll} is missing; build the solution ({BuildConfiguration}) first.");
        string logPath = Path.Combine(logDirectory, $"{role}-{port}.log");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(url);
        foreach ((string key, string value) in environment)
            start.Environment[key] = value;
        start.Environment["Logging__LogLevel__Default"] = "Information";
        start.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        var process = Process.Start(start)!;
        var log = new StreamWriter(logPath) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new NodeProcess(role, process, url, logPath, clusterPort);
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Role} exited with {_process.ExitCode} before it was ready:\n{LogTail()}");
            try
            {
                using HttpResponseMessage response = await http.GetAsync(Url + "/readyz");
                if (response.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{Role} at {Url} was not ready within {timeout}:\n{LogTail()}");
    }

    /// <summary>kill -9: no shutdown code runs.</summary>
    public void KillHard() => _process.Kill();

    /// <summary>SIGTERM: the host shuts down gracefully.</summary>
    public void Terminate() => _ = SendSignal(_process.Id, 15);

    /// <summary>SIGSTOP: the process freezes (no thread runs, sockets stay open).</summary>
    public void Freeze() => _ = SendSignal(_process.Id, 19);

    /// <summary>SIGCONT: a frozen process resumes where it stopped.</summary>
    public void Resume() => _ = SendSignal(_process.Id, 18);

    /// <summary>Waits for the process to exit; throws TimeoutException (with its log) if it hangs.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Role} (pid {Pid}) did not exit within {timeout}:\n{LogTail()}");
        }
    }

    public string LogTail(int lines = 40)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    /// <summary>A free loopback port below the ephemeral range (see <see cref="Nemo.Cluster.Hosting.FreePorts"/>).</summary>
    public static int FreePort() => Nemo.Cluster.Hosting.FreePorts.Pick(System.Net.IPAddress.Loopback);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>Debug or Release, whichever these tests were built in.</summary>
    public static string BuildConfiguration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string RepositoryRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Nemo.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Nemo.sln not found above " + AppContext.BaseDirectory);
    }
}
