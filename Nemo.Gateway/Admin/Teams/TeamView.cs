namespace Nemo.Gateway.Admin.Teams;

/// <summary>A team with its limits and how many members and keys it holds.</summary>
internal sealed record TeamView(Guid Id, string Name, bool IsDefault, string Status, long? Rpm, long? Tpm, long MemberCount, long KeyCount, DateTimeOffset CreatedAt);
