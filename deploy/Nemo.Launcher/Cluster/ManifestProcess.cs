namespace Nemo.Launcher.Cluster;

/// <summary>One process in cluster.json: <c>{"role", "pid", "url"}</c>.</summary>
internal sealed record ManifestProcess(string Role, int Pid, string Url);
