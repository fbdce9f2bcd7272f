using System.Diagnostics;

namespace Nemo.Launcher.Cluster;

/// <summary>A process the launcher started: role, listening URL, log file, and its handle while we are its parent.</summary>
internal sealed class ChildProcess(string role, int index, string url, string logFile, Process handle)
{
    public string Role { get; } = role;

    public int Index { get; } = index;

    public string Url { get; } = url;

    public string LogFile { get; } = logFile;

    public Process Handle { get; } = handle;

    public int Pid => Handle.Id;

    public string Name => $"{Role}-{Index}";

    /// <summary>"exit code 3", or "killed by signal" when the runtime could not report one.</summary>
    public string DescribeExit()
    {
        try
        {
            return Handle.HasExited ? $"exit code {Handle.ExitCode}" : "still running";
        }
        catch (InvalidOperationException)
        {
            return "exit code unknown";
        }
    }
}
