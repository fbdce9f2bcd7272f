using System.Text.Json;
using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Cluster;

/// <summary>Reads and writes <c>.nemo/run/cluster.json</c> (0600: it holds the master key).</summary>
internal sealed class ClusterManifestStore(RepoLayout layout)
{
    public string Path => layout.ClusterFile;

    public bool Exists => File.Exists(Path);

    public void Write(ClusterManifest manifest) =>
        SecretFile.WriteOwnerOnly(Path, JsonSerializer.Serialize(manifest, LauncherJson.Options) + "\n");

    public ClusterManifest? TryRead()
    {
        if (!Exists)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ClusterManifest>(File.ReadAllText(Path), LauncherJson.Options);
        }
        catch (JsonException e)
        {
            throw new LauncherException($"{layout.Relative(Path)} is not valid cluster state ({e.Message}); stop any leftover processes by hand and delete it");
        }
    }

    public string ReadRaw() => File.ReadAllText(Path);

    public void Delete()
    {
        if (Exists)
        {
            File.Delete(Path);
        }
    }

    /// <summary>Live pids of the recorded Nemo processes (PostgreSQL excluded: it is shared with ./nemo test).</summary>
    public static IReadOnlyList<ManifestProcess> LiveNemoProcesses(ClusterManifest manifest) =>
        manifest.Processes.Where(p => p.Role != Roles.Postgres && IsOurs(p)).ToList();

    /// <summary>True if the pid is alive and still runs the binary its role implies (not a reused pid).</summary>
    public static bool IsOurs(ManifestProcess process)
    {
        if (!ProcessSignals.IsAlive(process.Pid))
        {
            return false;
        }

        var dll = Roles.DllName(process.Role);
        return dll is null || ProcessSignals.CommandLine(process.Pid).Contains(dll, StringComparison.Ordinal);
    }
}
