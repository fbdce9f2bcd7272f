using Microsoft.Extensions.Logging;

namespace Nemo.Gateway.Payments;

/// <summary>
/// The development provider: every charge settles at once (no money moves), with a reference derived
/// from the idempotency key so a retried purchase gets the same reference. Register a real
/// <see cref="IPaymentProvider"/> in production.
/// </summary>
internal sealed partial class DevelopmentPaymentProvider(ILogger<DevelopmentPaymentProvider> logger) : IPaymentProvider
{
    public Task<PaymentResult> ChargeAsync(PaymentRequest request, CancellationToken cancellationToken)
    {
        string reference = "dev_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes($"{request.OrganizationId}:{request.IdempotencyKey}")))[..24];
        LogCharged(request.OrganizationId, request.TotalNanos, reference);
        return Task.FromResult(PaymentResult.Settled(reference));
    }

    public Task RefundAsync(string reference, CancellationToken cancellationToken)
    {
        LogRefunded(reference);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 7301, Level = LogLevel.Information, Message = "Development payment provider: charged {TotalNanos} nanos to organization {OrganizationId} ({Reference}); no money moved")]
    private partial void LogCharged(Guid organizationId, long totalNanos, string reference);

    [LoggerMessage(EventId = 7302, Level = LogLevel.Information, Message = "Development payment provider: refunded {Reference}")]
    private partial void LogRefunded(string reference);
}
