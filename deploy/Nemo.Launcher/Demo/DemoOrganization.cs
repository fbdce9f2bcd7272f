namespace Nemo.Launcher.Demo;

/// <summary>The demo tenant, persisted as <c>.nemo/state/demo.json</c>: <c>{"demo_org_id", "demo_key"}</c>.</summary>
internal sealed record DemoOrganization(string DemoOrgId, string DemoKey);
