using Nemo.Tests.Infrastructure;

namespace Nemo.Tests.Admin;

/// <summary>A digest of one organization's tenant rows (not usage), so a test can assert that a refused call changed nothing.</summary>
public static class Fingerprint
{
    public static Task<string> OfAsync(TestDatabase database, Guid organizationId) => database.ScalarAsync<string>(
        """
        SELECT concat_ws('|',
            (SELECT md5(o::text) FROM nemo.organizations o WHERE o.id = @org),
            (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.user_id), '')) FROM nemo.memberships x WHERE x.organization_id = @org),
            (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM nemo.teams x WHERE x.organization_id = @org),
            (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM nemo.api_keys x WHERE x.organization_id = @org),
            (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.scope, x.scope_id), '')) FROM nemo.budgets x WHERE x.organization_id = @org),
            (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM nemo.invitations x WHERE x.organization_id = @org),
            (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM nemo.credit_transactions x WHERE x.organization_id = @org),
            (SELECT count(*) FROM nemo.audit_log x WHERE x.organization_id = @org),
            (SELECT count(*) FROM nemo.email_outbox x WHERE x.organization_id = @org),
            (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.provider), '')) FROM nemo.provider_credentials x WHERE x.organization_id = @org),
            (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM nemo.guardrails x WHERE x.organization_id = @org),
            (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM nemo.prompts x WHERE x.organization_id = @org),
            (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.prompt_id, x.version), '')) FROM nemo.prompt_versions x WHERE x.organization_id = @org),
            (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.prompt_id, x.label), '')) FROM nemo.prompt_labels x WHERE x.organization_id = @org),
            (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM nemo.experiments x WHERE x.organization_id = @org))
        """, ("org", organizationId));
}
