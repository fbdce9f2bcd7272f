namespace Nemo.Grains.Spend;

/// <summary>One request's hold on a scope: an upper bound of its cost and a token estimate for TPM.</summary>
internal readonly record struct Reservation(Guid RequestId, long Cost, long Tokens, DateTimeOffset ExpiresAt);
