namespace Nemo.Grains.Spend;

/// <summary>A reservation that outlived its deadline without a settle; recorded as <c>unsettled</c>.</summary>
public readonly record struct ExpiredReservation(Guid RequestId, long Cost, DateTimeOffset ExpiresAt);
