namespace Nemo.FakeUpstream;

/// <summary>Text names of <see cref="FakeMode"/>: ok, error500, error429, cut, no_usage, hang and the hostile modes (see README).</summary>
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
            case "error401": mode = FakeMode.Error401; return true;
            case "error403": mode = FakeMode.Error403; return true;
            case "redirect": mode = FakeMode.Redirect; return true;
            case "no_done": mode = FakeMode.NoDone; return true;
            case "end_early": mode = FakeMode.EndEarly; return true;
            case "stall": mode = FakeMode.Stall; return true;
            case "hang_after_usage": mode = FakeMode.HangAfterUsage; return true;
            case "json_stream": mode = FakeMode.JsonStream; return true;
            case "bad_json": mode = FakeMode.BadJson; return true;
            case "bad_usage": mode = FakeMode.BadUsage; return true;
            case "error_hang": mode = FakeMode.ErrorHang; return true;
            case "big_error": mode = FakeMode.BigError; return true;
            case "overloaded": mode = FakeMode.Overloaded; return true;
            case "stream_error": mode = FakeMode.StreamError; return true;
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
        FakeMode.Error401 => "error401",
        FakeMode.Error403 => "error403",
        FakeMode.Redirect => "redirect",
        FakeMode.NoDone => "no_done",
        FakeMode.EndEarly => "end_early",
        FakeMode.Stall => "stall",
        FakeMode.HangAfterUsage => "hang_after_usage",
        FakeMode.JsonStream => "json_stream",
        FakeMode.BadJson => "bad_json",
        FakeMode.BadUsage => "bad_usage",
        FakeMode.ErrorHang => "error_hang",
        FakeMode.BigError => "big_error",
        FakeMode.Overloaded => "overloaded",
        FakeMode.StreamError => "stream_error",
        _ => mode.ToString(),
    };
}
