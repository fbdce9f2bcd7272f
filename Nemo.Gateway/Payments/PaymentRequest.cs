namespace Nemo.Gateway.Payments;

/// <summary>A charge of <see cref="TotalNanos"/> (credits + platform fee), in nano-dollars.</summary>
public sealed record PaymentRequest(Guid OrganizationId, string IdempotencyKey, long CreditsNanos, long FeeNanos, string Description)
{
    public long TotalNanos => CreditsNanos + FeeNanos;
}
