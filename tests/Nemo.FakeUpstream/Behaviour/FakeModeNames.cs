namespace Nemo.FakeUpstream;

/// <summary>Text names of <see cref="FakeMode"/>: ok, error500, error429, cut, no_usage, hang.</summary>
public static class FakeModeNames
{
    /// <summary>Parses a mode name, case-insensitively; '-' may stand for '_' ("no-usage").</summary>
    public static bool TryParse(string? text, out FakeMode mode)
    {
        switch (text?.Trim().Replace('-', '_').ToLowerInvariant())
        {
            case "ok": mode = FakeMode.Ok; return true;
            case "error500": mode = FakeMode.Error500; return true;
            case "error429": mode = FakeMode.Error429; return true;
            case "cut": mode = FakeMode.Cut; return true;
            case "no_usage": mode = FakeMode.NoUsage; return true;
            case "hang": mode = FakeMode.Hang; return true;
            default: mode = FakeMode.Ok; return false;
        }
    }

    /// <summary>The text name of a mode.</summary>
    public static string ToName(this FakeMode mode) => mode switch
    {
        FakeMode.Ok => "ok",
        FakeMode.Error500 => "error500",
        FakeMode.Error429 => "error429",
        FakeMode.Cut => "cut",
        FakeMode.NoUsage => "no_usage",
        FakeMode.Hang => "hang",
        _ => mode.ToString(),
    };
}
