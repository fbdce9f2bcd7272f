using System.Text.RegularExpressions;
using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Bench;

/// <summary>Offered loads (requests/s, comma-separated) and seconds per step, passed to Nemo.Bench.</summary>
internal sealed partial record BenchSettings(string Rates, int DurationSeconds)
{
    public static BenchSettings Validate(string rates, int durationSeconds)
    {
        if (!RatesPattern().IsMatch(rates))
        {
            throw new LauncherException($"--rates must be positive integers separated by commas, e.g. 500,2000,5000 (currently '{rates}')");
        }

        return durationSeconds > 0
            ? new BenchSettings(rates, durationSeconds)
            : throw new LauncherException($"--duration must be a positive number of seconds (currently {durationSeconds})");
    }

    [GeneratedRegex("^[1-9][0-9]*(,[1-9][0-9]*)*$")]
    private static partial Regex RatesPattern();
}
