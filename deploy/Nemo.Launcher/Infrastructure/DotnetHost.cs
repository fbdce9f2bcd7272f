namespace Nemo.Launcher.Infrastructure;

/// <summary>The dotnet host running the launcher, reused for child processes so they share the SDK's runtime.</summary>
internal static class DotnetHost
{
    public static string Path { get; } = Resolve();

    private static string Resolve()
    {
        var current = Environment.ProcessPath;
        return current is not null && System.IO.Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}
