namespace Nemo.Launcher.Cluster;

/// <summary>
/// <c>.nemo/run/cluster.json</c>: what a running cluster is and how to reach it, for people,
/// scripts, <c>./nemo status</c> and <c>./nemo down</c>. Gateway URLs are roots
/// (<c>http://127.0.0.1:P</c>, append <c>/v1</c> for the OpenAI base URL); the upstream URL is
/// its OpenAI base URL (ending in <c>/v1</c>); <c>postgres</c> is the connection string to
/// the <c>nemo</c> database. Processes are listed in start order. The web console is served by the
/// gateways (<c>console_url</c>); the demo owner signs in there with <c>demo_owner_email</c> and
/// <c>demo_owner_password</c>.
/// </summary>
internal sealed record ClusterManifest(
    IReadOnlyList<string> GatewayUrls,
    string MasterKey,
    string DemoKey,
    string DemoOrgId,
    string UpstreamUrl,
    string Postgres,
    IReadOnlyList<ManifestProcess> Processes,
    string? ConsoleUrl = null,
    string? DemoOwnerEmail = null,
    string? DemoOwnerPassword = null);
