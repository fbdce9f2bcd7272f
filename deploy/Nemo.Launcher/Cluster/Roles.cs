namespace Nemo.Launcher.Cluster;

/// <summary>Process roles as written in cluster.json, and the binary each one runs.</summary>
internal static class Roles
{
    public const string Postgres = "postgres";
    public const string Upstream = "upstream";
    public const string AllInOne = "all-in-one";
    public const string Silo = "silo";
    public const string Gateway = "gateway";

    /// <summary>The dll a role's process runs, used to tell our process from a reused pid.</summary>
    public static string? DllName(string role) => role switch
    {
        Upstream => ClusterArtifacts.FakeUpstreamDll,
        Silo => ClusterArtifacts.SiloDll,
        AllInOne or Gateway => ClusterArtifacts.GatewayDll,
        _ => null,
    };
}
