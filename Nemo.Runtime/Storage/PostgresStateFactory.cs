using Nemo.Grains.Contracts;
using Nemo.Grains.Storage;
using Nemo.Runtime.Hosting;
using Nemo.Runtime.Membership;
using Nemo.Runtime.Partitions;

namespace Nemo.Runtime.Storage;

internal sealed class PostgresStateFactory(NemoDatabase database, LocalOwnership ownership, SiloIdentity silo, ClusterOptions options) : IPersistentStateFactory
{
    public IPersistentState<TState> Create<TState>(GrainId grainId, string stateName) where TState : class, new() =>
        new PostgresPersistentState<TState>(database, ownership, silo, $"{grainId}#{stateName}",
            PartitionMap.PartitionOf(grainId.OrganizationId, options.PartitionCount));
}
