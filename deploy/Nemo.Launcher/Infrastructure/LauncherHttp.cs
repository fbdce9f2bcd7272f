namespace Nemo.Launcher.Infrastructure;

/// <summary>The launcher's HTTP client for readiness checks and admin calls (loopback only).</summary>
internal static class LauncherHttp
{
    public static HttpClient Create() => new() { Timeout = TimeSpan.FromSeconds(10) };
}
