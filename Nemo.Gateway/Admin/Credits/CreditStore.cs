using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Payments;

namespace Nemo.Gateway.Admin.Credits;

/// <summary>
/// The credit ledger (<c>nemo.credit_transactions</c>, append-only: the app role may only insert and read,
/// and a trigger refuses UPDATE, DELETE and TRUNCATE for everyone) and the purchased total on the
/// organization, always changed together in one transaction.
/// </summary>
internal sealed class CreditStore(AdminDatabase database, IPaymentProvider payments, TimeProvider time)
{
    /// <summary>An operator's grant (no payment, no fee). False when the organization doesn't exist or was deleted.</summary>
    public async Task<bool> GrantAsync(Guid organizationId, long amountNanos, string? reason, AdminCaller caller, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.ServiceAsync(cancellationToken);
        int updated = await session.ExecuteAsync(
            "UPDATE nemo.organizations SET credits_purchased = credits_purchased + @amount WHERE id = @org AND status = 'active'",
            cancellationToken, ("org", organizationId), ("amount", amountNanos));
        if (updated == 0)
            return false;
        await session.ExecuteAsync(
            "INSERT INTO nemo.credit_transactions (organization_id, kind, amount, reason, actor, created_at) VALUES (@org, 'grant', @amount, @reason, @actor, @now)",
            cancellationToken, ("org", organizationId), ("amount", amountNanos), ("reason", reason), ("actor", caller.Actor), ("now", time.GetUtcNow()));
        await session.AuditAsync(new AuditEntry(organizationId, caller.Actor, caller.Ip, "credits.grant", $"organization:{organizationId}", null,
            new { amount = AdminJson.Money(amountNanos), reason }), cancellationToken);
        await session.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Charges credits + fee and credits the organization in full, under the organization row's lock.
    /// A repeated <paramref name="idempotencyKey"/> returns the first purchase without charging again.
    /// </summary>
    public async Task<PurchaseOutcome> PurchaseAsync(AdminCaller caller, long amountNanos, string? idempotencyKey, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        Tuple<string, int?> terms = (await session.SingleAsync(
            "SELECT plan, fee_basis_points FROM nemo.organizations WHERE id = @org FOR UPDATE",
            r => Tuple.Create(r.GetString(0), r.IsDBNull(1) ? (int?)null : r.GetInt32(1)), cancellationToken, ("org", caller.OrganizationId)))!;
        string plan = terms.Item1;
        int? custom = terms.Item2;
        if (idempotencyKey is not null)
        {
            Purchase? earlier = await session.SingleAsync(
                "SELECT id, amount, fee, payment_reference, created_at FROM nemo.credit_transactions WHERE organization_id = @org AND idempotency_key = @key",
                r => new Purchase(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), 0, plan, r.IsDBNull(3) ? "" : r.GetString(3), r.GetFieldValue<DateTimeOffset>(4), true),
                cancellationToken, ("org", caller.OrganizationId), ("key", idempotencyKey));
            if (earlier is not null)
                return new PurchaseOutcome(earlier with { FeeBasisPoints = earlier.AmountNanos == 0 ? 0 : (int)(earlier.FeeNanos * 10_000 / earlier.AmountNanos) }, null);
        }
        int basisPoints = Fees.BasisPoints(plan, custom);
        long fee = Fees.For(amountNanos, basisPoints);
        DateTimeOffset now = time.GetUtcNow();
        var request = new PaymentRequest(caller.OrganizationId, idempotencyKey ?? Guid.CreateVersion7(now).ToString(), amountNanos, fee,
            $"Nemo credits: {AdminJson.Money(amountNanos)} USD + {Fees.Percent(basisPoints)} % platform fee");
        PaymentResult payment = await payments.ChargeAsync(request, cancellationToken);
        if (!payment.Succeeded)
            return new PurchaseOutcome(null, payment.DeclineReason ?? "declined");
        try
        {
            await session.ExecuteAsync("UPDATE nemo.organizations SET credits_purchased = credits_purchased + @amount WHERE id = @org",
                CancellationToken.None, ("org", caller.OrganizationId), ("amount", amountNanos));
            long id = await session.ScalarAsync<long>(
                """
                INSERT INTO nemo.credit_transactions (organization_id, kind, amount, fee, reason, actor, payment_reference, idempotency_key, created_at)
                VALUES (@org, 'purchase', @amount, @fee, @reason, @actor, @reference, @key, @now) RETURNING id
                """, CancellationToken.None,
                ("org", caller.OrganizationId), ("amount", amountNanos), ("fee", fee), ("reason", $"purchase on plan {plan}"), ("actor", caller.Actor),
                ("reference", payment.Reference), ("key", idempotencyKey), ("now", now));
            await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "credits.purchase", $"organization:{caller.OrganizationId}", null,
                new { amount = AdminJson.Money(amountNanos), fee = AdminJson.Money(fee), fee_basis_points = basisPoints, plan, payment_reference = payment.Reference }), CancellationToken.None);
            await session.CommitAsync(CancellationToken.None);
            return new PurchaseOutcome(new Purchase(id, amountNanos, fee, basisPoints, plan, payment.Reference!, now, false), null);
        }
        catch
        {
            await payments.RefundAsync(payment.Reference!, CancellationToken.None);
            throw;
        }
    }

    public async Task<List<object>> RecentAsync(AdminSession session, int limit, CancellationToken cancellationToken) =>
        await session.ListAsync(
            "SELECT id, kind, amount, fee, reason, actor, payment_reference, created_at FROM nemo.credit_transactions WHERE organization_id = @org ORDER BY id DESC LIMIT @limit",
            r => (object)new
            {
                id = r.GetInt64(0), kind = r.GetString(1), amount = AdminJson.Money(r.GetInt64(2)), fee = AdminJson.Money(r.GetInt64(3)),
                reason = r.IsDBNull(4) ? null : r.GetString(4), actor = r.IsDBNull(5) ? null : r.GetString(5),
                payment_reference = r.IsDBNull(6) ? null : r.GetString(6), created_at = r.GetFieldValue<DateTimeOffset>(7),
            }, cancellationToken, ("org", session.OrganizationId), ("limit", limit));
}
