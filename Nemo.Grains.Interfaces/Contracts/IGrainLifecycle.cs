namespace Nemo.Grains.Contracts;

/// <summary>
/// Hooks the runtime calls on a grain, always inside the grain's turn. Grain classes are plain classes
/// with state and async methods; hosting them on Orleans later maps these to OnActivateAsync /
/// OnDeactivateAsync of a Grain base class.
/// </summary>
public interface IGrainLifecycle
{
    Task OnActivateAsync(CancellationToken cancellationToken);

    Task OnDeactivateAsync(CancellationToken cancellationToken);

    /// <summary>False while the grain holds something that only lives in memory (reservations).</summary>
    bool CanDeactivate { get; }
}
