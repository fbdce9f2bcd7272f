namespace Nemo.Launcher.Demo;

/// <summary>
/// The demo tenant, persisted (owner-only) as <c>.nemo/state/demo.json</c>: <c>{"demo_org_id", "demo_key",
/// "demo_owner_email", "demo_owner_password"}</c>; the owner signs in to the web console with the last two.
/// </summary>
internal sealed record DemoOrganization(string DemoOrgId, string DemoKey, string? DemoOwnerEmail = null, string? DemoOwnerPassword = null);
