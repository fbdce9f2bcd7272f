namespace Nemo.Gateway.Admin.Credits;

/// <summary>A recorded credit purchase: the credits (in full) and the fee charged on top, in nanos.</summary>
internal sealed record Purchase(long Id, long AmountNanos, long FeeNanos, int FeeBasisPoints, string Plan, string PaymentReference, DateTimeOffset CreatedAt, bool Replayed);
