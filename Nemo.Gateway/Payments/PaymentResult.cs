namespace Nemo.Gateway.Payments;

/// <summary>The outcome of a charge: settled with a provider reference, or declined with the provider's reason.</summary>
public sealed record PaymentResult(bool Succeeded, string? Reference, string? DeclineReason)
{
    public static PaymentResult Settled(string reference) => new(true, reference, null);

    public static PaymentResult Declined(string reason) => new(false, null, reason);
}
