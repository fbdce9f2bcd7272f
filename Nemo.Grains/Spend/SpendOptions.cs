namespace Nemo.Grains.Spend;

/// <summary>Options of the spend path, bound from <c>Nemo:Spend</c>.</summary>
public sealed class SpendOptions
{
    /// <summary>
    /// How long a reservation is held without a settle before it is released and recorded as
    /// <c>unsettled</c>. Default 10 minutes; must exceed the upstream timeout, or a slow but successful
    /// response would settle after its reservation was already released.
    /// </summary>
    public TimeSpan ReservationTtl { get; set; } = TimeSpan.FromMinutes(10);
}
