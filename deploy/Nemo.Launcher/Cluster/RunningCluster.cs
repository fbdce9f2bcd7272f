namespace Nemo.Launcher.Cluster;

/// <summary>A cluster that answered its readiness checks, as recorded in cluster.json.</summary>
/// <param name="ExampleModel">A model the demo key may use, for the printed curl example.</param>
internal sealed record RunningCluster(ClusterManifest Manifest, string ExampleModel);
