namespace Nemo.Gateway.Admin.Credits;

/// <summary>A purchase recorded, or the payment provider's refusal.</summary>
internal sealed record PurchaseOutcome(Purchase? Purchase, string? DeclineReason);
