namespace Nemo.Gateway.Payments;

/// <summary>
/// Takes payment for credit purchases. The admin API calls <see cref="ChargeAsync"/> inside the purchase's
/// transaction and credits the organization only if it succeeded; if recording the purchase then fails,
/// it calls <see cref="RefundAsync"/>. Implementations must be idempotent by <see cref="PaymentRequest.IdempotencyKey"/>.
/// </summary>
public interface IPaymentProvider
{
    Task<PaymentResult> ChargeAsync(PaymentRequest request, CancellationToken cancellationToken);

    Task RefundAsync(string reference, CancellationToken cancellationToken);
}
