namespace Nemo.Launcher.Infrastructure;

/// <summary>The outcome of a finished external command: its exit code and combined output.</summary>
internal sealed record CommandResult(int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0;
}
