using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Dashboard.Accounts;

/// <summary>A signed-in person as the database says at this request: account, organization, team and role.</summary>
internal sealed record ConsoleMember(Guid UserId, string Email, Guid SecurityStamp, Guid OrganizationId, string OrganizationName, Guid TeamId, MemberRole Role);
