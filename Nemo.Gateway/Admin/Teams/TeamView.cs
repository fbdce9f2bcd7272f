namespace Nemo.Gateway.Admin.Teams;

/// <summary>A team with its limits and how many members and keys it holds.</summary>
/// <param name="Models">The team's model allow-list; null allows every model.</param>
internal sealed record TeamView(Guid Id, string Name, bool IsDefault, string Status, long? Rpm, long? Tpm, long MemberCount, long KeyCount, DateTimeOffset CreatedAt, string[]? Models);
