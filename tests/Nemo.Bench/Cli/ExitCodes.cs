namespace Nemo.Bench.Cli;

/// <summary>Process exit codes of the bench.</summary>
internal static class ExitCodes
{
    /// <summary>The bench ran; request errors are reported in the output, not fatal.</summary>
    public const int Ran = 0;

    /// <summary>Stopped by Ctrl+C/SIGTERM before every run finished (the finished rates are still reported).</summary>
    public const int Cancelled = 130;

    /// <summary>A flag was missing or had a bad value.</summary>
    public const int BadArguments = 2;
}
