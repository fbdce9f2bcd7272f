using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Members;

/// <summary>A PATCH of a member: a new role and/or a new team (null: leave as is).</summary>
internal sealed record MemberChange(MemberRole? Role, Guid? TeamId);
