using Nemo.Gateway.Admin.Credits;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Grains.Contracts;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Billing;

/// <summary>Billing reads and the plan change, under row-level security.</summary>
internal sealed class BillingStore(AdminDatabase database, CreditStore credits)
{
    public async Task<object> ViewAsync(Guid organizationId, CreditsView live, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(organizationId, cancellationToken);
        Tuple<string, int?, long?, long?, DateOnly> row = (await session.SingleAsync(
            "SELECT plan, fee_basis_points, rpm, tpm, billing_anchor FROM nemo.organizations WHERE id = @org",
            r => Tuple.Create(r.GetString(0), r.IsDBNull(1) ? (int?)null : r.GetInt32(1), r.IsDBNull(2) ? (long?)null : r.GetInt64(2),
                r.IsDBNull(3) ? (long?)null : r.GetInt64(3), r.GetFieldValue<DateOnly>(4)), cancellationToken, ("org", organizationId)))!;
        Plan plan = Plan.Find(row.Item1) ?? Plan.Payg;
        int basisPoints = Fees.BasisPoints(plan.Name, row.Item2);
        List<object> recent = await credits.RecentAsync(session, 20, cancellationToken);
        return new
        {
            plan = plan.Name,
            fee_percent = Fees.Percent(basisPoints),
            custom_fee = row.Item2 is not null,
            rate_limits = new
            {
                rpm = row.Item3 ?? plan.DefaultRpm, tpm = row.Item4 ?? plan.DefaultTpm,
                source = row.Item3 is null && row.Item4 is null ? "plan" : "override",
            },
            billing_anchor = row.Item5.ToString("yyyy-MM-dd"),
            credits = CreditsApi.Shape(live),
            plans = Plan.All.Select(p => new { name = p.Name, fee_percent = Fees.Percent(p.FeeBasisPoints), default_rpm = p.DefaultRpm, default_tpm = p.DefaultTpm, self_service = p != Plan.Enterprise }),
            recent_transactions = recent,
        };
    }

    public async Task ChangePlanAsync(AdminCaller caller, Plan plan, CancellationToken cancellationToken)
    {
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, cancellationToken);
        string before = (await session.ScalarAsync<string>("SELECT plan FROM nemo.organizations WHERE id = @org FOR UPDATE", cancellationToken, ("org", caller.OrganizationId)))!;
        if (before == plan.Name)
            return;
        await session.ExecuteAsync("UPDATE nemo.organizations SET plan = @plan WHERE id = @org", cancellationToken, ("org", caller.OrganizationId), ("plan", plan.Name));
        await session.AuditAsync(new AuditEntry(caller.OrganizationId, caller.Actor, caller.Ip, "billing.plan_change", $"organization:{caller.OrganizationId}",
            new { plan = before }, new { plan = plan.Name }), cancellationToken);
        await session.CommitAsync(cancellationToken);
    }
}
