namespace Nemo.Launcher.Demo;

/// <summary>The answer to <c>POST /v1/admin/organizations</c>.</summary>
internal sealed record CreatedOrganization(string OrganizationId, string OwnerUserId, string TeamId, string ApiKey);
