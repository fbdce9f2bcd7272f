using System.Runtime.InteropServices;

namespace Nemo.Launcher.Infrastructure;

/// <summary>
/// POSIX process primitives by pid. <see cref="System.Diagnostics.Process.Kill()"/> only sends
/// SIGKILL, and processes left running by <c>up --detach</c> are not our children any more, so
/// the launcher signals and inspects them through kill(2) and /proc.
/// </summary>
internal static class ProcessSignals
{
    private const int SigKill = 9;
    private const int SigTerm = 15;

    public static bool IsRoot => NativeMethods.geteuid() == 0;

    /// <summary>Asks a process to shut down gracefully (SIGTERM). False if it was already gone.</summary>
    public static bool Terminate(int pid) => NativeMethods.kill(pid, SigTerm) == 0;

    /// <summary>Kills a process outright (SIGKILL).</summary>
    public static bool Kill(int pid) => NativeMethods.kill(pid, SigKill) == 0;

    /// <summary>True while the process exists and is not a zombie waiting to be reaped.</summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        try
        {
            // /proc/<pid>/stat is "pid (comm) S …"; comm may contain spaces or parentheses.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault();
            return state is not ('Z' or 'X' or 'x');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The process's command line joined by spaces, or "" when it is gone.</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>SIGTERM, wait up to <paramref name="grace"/>, then SIGKILL. True if it had to be killed.</summary>
    public static async Task<bool> StopAsync(int pid, TimeSpan grace)
    {
        if (!IsAlive(pid))
        {
            return false;
        }

        Terminate(pid);
        if (await WaitForExitAsync(pid, grace))
        {
            return false;
        }

        Kill(pid);
        await WaitForExitAsync(pid, TimeSpan.FromSeconds(5));
        return true;
    }

    /// <summary>Polls until the process is gone; false on timeout.</summary>
    public static async Task<bool> WaitForExitAsync(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsAlive(pid))
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
    }

    // DllImport rather than LibraryImport: both signatures are blittable, and LibraryImport
    // would need AllowUnsafeBlocks for no gain.
    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        internal static extern int kill(int pid, int signal);

        [DllImport("libc")]
        internal static extern uint geteuid();
    }
}
