using Microsoft.Extensions.Hosting;
using Nemo.Persistence.Database;

namespace Nemo.Cluster.Hosting;

/// <summary>
/// What <c>/readyz</c> reports: the schema is migrated and the node has joined its Orleans cluster
/// (a silo is active in membership, a split gateway's client has connected) and is not stopping.
/// </summary>
public sealed class NemoReadiness(MigrationState migrations, IHostApplicationLifetime lifetime)
{
    private volatile bool _joined;

    public bool Migrated => migrations.Migrated;

    public bool Joined => _joined;

    public bool Stopping => lifetime.ApplicationStopping.IsCancellationRequested;

    public bool Ready => Migrated && _joined && !Stopping;

    public string Reason => !Migrated ? "migrating" : !_joined ? "joining the cluster" : Stopping ? "stopping" : "ready";

    internal void MarkJoined() => _joined = true;
}
