using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Nemo.Grains.Contracts;
using Nemo.Runtime.Hosting;
using Nemo.Runtime.Partitions;

namespace Nemo.Runtime.Activation;

/// <summary>
/// The silo's activations: at most one per grain id. A grain activates on its first call; idle ones
/// are deactivated (state flushed) by <see cref="DeactivateIdleAsync"/>; when a partition's lease is
/// lost its activations are dropped without flushing (their writes would be fenced anyway).
/// </summary>
internal sealed partial class Catalog : IGrainFactory
{
    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();
    private readonly IServiceProvider _services;
    private readonly GrainTypeRegistry _types;
    private readonly TimeProvider _time;
    private readonly ClusterOptions _options;
    private readonly ILogger<Catalog> _logger;

    public Catalog(IServiceProvider services, GrainTypeRegistry types, TimeProvider time, ClusterOptions options, LocalOwnership ownership, ILogger<Catalog> logger)
    {
        _services = services;
        _types = types;
        _time = time;
        _options = options;
        _logger = logger;
        ownership.PartitionLost += DropPartition;
    }

    public int Count => _activations.Count;

    public IGrainRef<TGrain> Get<TGrain>(Guid organizationId, string key) where TGrain : class, IGrainLifecycle =>
        new GrainRef<TGrain>(this, new GrainId(_types.TypeNameOf(typeof(TGrain)), organizationId, key));

    internal ActivationData GetOrCreate(GrainId id)
    {
        if (_activations.TryGetValue(id, out ActivationData? existing))
            return existing;
        // Creating a grain object has no side effects (activation runs in its first turn), so losing
        // the race in GetOrAdd just discards an unused object.
        var created = new ActivationData(id, PartitionMap.PartitionOf(id.OrganizationId, _options.PartitionCount), _types.Create(_services, id), _time);
        return _activations.GetOrAdd(id, created);
    }

    public IEnumerable<ActivationData> Activations => _activations.Values;

    public async Task<int> DeactivateIdleAsync(CancellationToken cancellationToken)
    {
        long now = _time.GetTimestamp();
        int deactivated = 0;
        foreach (ActivationData activation in _activations.Values)
        {
            if (_time.GetElapsedTime(activation.LastUsedTimestamp, now) < _options.IdleDeactivation)
                continue;
            if (await TryDeactivateAsync(activation, force: false, flush: true, cancellationToken))
                deactivated++;
        }
        return deactivated;
    }

    /// <summary>Deactivates every activation, flushing state (graceful shutdown or hand-off).</summary>
    public async Task DeactivateAllAsync(Func<int, bool> partitionFilter, CancellationToken cancellationToken)
    {
        foreach (ActivationData activation in _activations.Values)
        {
            if (partitionFilter(activation.Partition))
                await TryDeactivateAsync(activation, force: true, flush: true, cancellationToken);
        }
    }

    /// <summary>Deactivates (flushing) every activation of one organization, reservations included.</summary>
    public async Task DeactivateOrganizationAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        foreach (ActivationData activation in _activations.Values)
        {
            if (activation.Id.OrganizationId == organizationId)
                await TryDeactivateAsync(activation, force: true, flush: true, cancellationToken);
        }
    }

    private async Task<bool> TryDeactivateAsync(ActivationData activation, bool force, bool flush, CancellationToken cancellationToken)
    {
        try
        {
            if (!await activation.TryDeactivateAsync(force, flush, cancellationToken))
                return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogDeactivationFailed(ex, activation.Id);
        }
        _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(activation.Id, activation));
        return true;
    }

    private void DropPartition(int partition)
    {
        foreach (ActivationData activation in _activations.Values)
        {
            if (activation.Partition == partition)
                _ = TryDeactivateAsync(activation, force: true, flush: false, CancellationToken.None);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Deactivating grain {GrainId} failed; its activation is dropped")]
    private partial void LogDeactivationFailed(Exception exception, GrainId grainId);
}
