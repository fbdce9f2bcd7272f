namespace Nemo.Launcher.Infrastructure;

/// <summary>
/// An expected failure (bad environment, busy port, missing build output…) reported to the
/// operator as one readable message, without a stack trace. The message says what to change.
/// </summary>
internal sealed class LauncherException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
