using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Cluster;

/// <summary>The Release build outputs the launcher runs, checked before anything starts.</summary>
internal sealed class ClusterArtifacts(RepoLayout layout)
{
    public const string GatewayDll = "Nemo.Gateway.dll";
    public const string SiloDll = "Nemo.Silo.dll";
    public const string FakeUpstreamDll = "Nemo.FakeUpstream.dll";
    public const string BenchDll = "Nemo.Bench.dll";

    public string Gateway => layout.ReleaseOutput("Nemo.Gateway", GatewayDll);

    public string Silo => layout.ReleaseOutput("Nemo.Silo", SiloDll);

    public string FakeUpstream => layout.ReleaseOutput(Path.Combine("tests", "Nemo.FakeUpstream"), FakeUpstreamDll);

    public string Bench => layout.ReleaseOutput(Path.Combine("tests", "Nemo.Bench"), BenchDll);

    /// <summary>The binaries a topology needs.</summary>
    public IEnumerable<string> For(Topology topology) =>
        topology.Split ? [FakeUpstream, Silo, Gateway] : [FakeUpstream, Gateway];

    /// <summary>Fails with one message listing every missing binary.</summary>
    public void RequireAll(IEnumerable<string> paths)
    {
        var missing = paths.Where(path => !File.Exists(path)).Select(layout.Relative).ToList();
        if (missing.Count > 0)
        {
            throw new LauncherException(
                $"build output missing: {string.Join(", ", missing)}; ./nemo builds Nemo.sln in Release before running (dotnet build Nemo.sln -c Release), so the project did not build or is not in the solution yet");
        }
    }
}
