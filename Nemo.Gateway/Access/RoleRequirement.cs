using Microsoft.AspNetCore.Authorization;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Access;

/// <summary>The caller is a member of an organization with at least this role (a role includes the ones below it).</summary>
internal sealed record RoleRequirement(MemberRole Minimum) : IAuthorizationRequirement;

/// <summary>What an endpoint does, for the refusal's wording ("Only owners and admins can invite members").</summary>
internal sealed record RoleDescription(string What);
