using System.Text.Json.Serialization;
using Nemo.Grains.Tenancy;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Gateway.Admin.Members;

/// <summary>A member of the organization as the API shows it.</summary>
internal sealed record MemberRow(Guid UserId, string Email, string? Name, string Role, Guid TeamId, DateTimeOffset JoinedAt)
{
    [JsonIgnore]
    public MemberRole ParsedRole => TenancyNames.ParseRole(Role);

    public static MemberRow Read(NpgsqlDataReader r) =>
        new(r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetGuid(4), r.GetFieldValue<DateTimeOffset>(5));
}
