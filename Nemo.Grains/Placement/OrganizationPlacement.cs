using Orleans.Placement;
using Orleans.Runtime;

namespace Nemo.Grains.Placement;

/// <summary>
/// Spreads organization activations evenly over the silos (<see cref="OrganizationPlacementDirector"/>).
/// Orleans' default, resource-optimized placement put 915 of 1,000 organizations on one silo here,
/// because it weighs CPU and memory samples that barely differ on a lightly loaded cluster.
/// </summary>
[GenerateSerializer, Immutable, Alias("nemo.organization-placement")]
public sealed class OrganizationPlacement : PlacementStrategy
{
    internal static OrganizationPlacement Instance { get; } = new();
}

/// <summary>Places a grain class with <see cref="OrganizationPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class OrganizationPlacementAttribute() : PlacementAttribute(OrganizationPlacement.Instance);
