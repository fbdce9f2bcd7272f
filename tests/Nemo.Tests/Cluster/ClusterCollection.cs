namespace Nemo.Tests.Cluster;

/// <summary>Multi-process cluster tests run one at a time, alone: they measure failover on 2 cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster";
}
