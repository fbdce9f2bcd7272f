using System.Text.Json;

namespace Nemo.Launcher.Infrastructure;

/// <summary>JSON as the Nemo API and the launcher's state files speak it: snake_case.</summary>
internal static class LauncherJson
{
    /// <summary>For files people read (cluster.json, demo.json): indented.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>For request bodies: compact.</summary>
    public static JsonSerializerOptions Wire { get; } = new(Options) { WriteIndented = false };
}
