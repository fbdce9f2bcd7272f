using System.Collections.Concurrent;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Nemo.Grains.Placement;

/// <summary>
/// Picks, among the silos compatible with the grain, the one this silo has placed the fewest
/// organizations on (ties by address order). Every silo that places (the gateway silo a client call
/// arrives at, or the silo a call comes from) balances its own placements, so the total is balanced
/// within a few activations per silo; a silo that joins later receives new organizations first
/// until it has caught up. Existing activations don't move: Orleans keeps an activation where it is
/// until it deactivates.
/// </summary>
internal sealed class OrganizationPlacementDirector : IPlacementDirector
{
    private readonly ConcurrentDictionary<SiloAddress, long> _placed = new();

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        SiloAddress[] silos = context.GetCompatibleSilos(target);
        if (silos.Length == 0)
            throw new OrleansException($"No silo can host {target.GrainIdentity}: none is active and compatible.");
        SiloAddress best = silos[0];
        long bestCount = _placed.GetValueOrDefault(best);
        for (int i = 1; i < silos.Length; i++)
        {
            long count = _placed.GetValueOrDefault(silos[i]);
            if (count < bestCount || (count == bestCount && silos[i].CompareTo(best) < 0))
            {
                best = silos[i];
                bestCount = count;
            }
        }
        _placed.AddOrUpdate(best, 1, static (_, n) => n + 1);
        return Task.FromResult(best);
    }
}
