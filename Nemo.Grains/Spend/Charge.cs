namespace Nemo.Grains.Spend;

/// <summary>A settled request as each scope sees it: the reservation to drop and the actual figures.</summary>
internal readonly record struct Charge(Guid RequestId, long Cost, long Tokens, long TokenEstimate, DateTimeOffset OccurredAt);
