using System.Diagnostics;

namespace Nemo.Launcher.Infrastructure;

/// <summary>Runs short-lived external tools (runuser, pg_ctl, chown, dotnet test…).</summary>
internal static class ExternalCommand
{
    /// <summary>Runs a tool to completion and captures stdout and stderr.</summary>
    public static async Task<CommandResult> CaptureAsync(
        string file, IEnumerable<string> arguments, string? workingDirectory = null, CancellationToken cancellationToken = default)
    {
        var startInfo = CreateStartInfo(file, arguments, workingDirectory);
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.RedirectStandardInput = true;

        using var process = Start(startInfo);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var output = (await stdout + await stderr).TrimEnd();
        return new CommandResult(process.ExitCode, output);
    }

    /// <summary>
    /// Runs a tool with the launcher's own console, so its output streams live. On cancellation
    /// (Ctrl-C, SIGTERM) the tool gets SIGTERM and is waited for, so nothing is left running.
    /// </summary>
    public static async Task<int> StreamAsync(
        string file,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> environment,
        string workingDirectory,
        CancellationToken cancellationToken)
    {
        var startInfo = CreateStartInfo(file, arguments, workingDirectory);
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        using var process = Start(startInfo);
        using (cancellationToken.Register(() => ProcessSignals.Terminate(process.Id)))
        {
            await process.WaitForExitAsync(CancellationToken.None);
        }

        return process.ExitCode;
    }

    private static ProcessStartInfo CreateStartInfo(string file, IEnumerable<string> arguments, string? workingDirectory)
    {
        var startInfo = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (workingDirectory is not null)
        {
            startInfo.WorkingDirectory = workingDirectory;
        }

        return startInfo;
    }

    private static Process Start(ProcessStartInfo startInfo)
    {
        try
        {
            return Process.Start(startInfo) ?? throw new LauncherException($"could not start {startInfo.FileName}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new LauncherException($"could not start {startInfo.FileName}: {e.Message} (is it installed and on PATH?)");
        }
    }
}
