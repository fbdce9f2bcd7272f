using System.Text.Json.Serialization;

namespace Nemo.Gateway.Admin.Keys;

/// <summary>A key's metadata: never its secret or hash. <see cref="PreviousKeyExpiresAt"/> is the end of a rotation's grace period.</summary>
internal sealed record KeyView(
    Guid Id, string Name, string Prefix, string Scope, Guid TeamId, Guid? UserId, string Status, long? Rpm, long? Tpm,
    DateTimeOffset? ExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? RevokedAt, DateTimeOffset? RotatedAt,
    DateTimeOffset? PreviousKeyExpiresAt, string[]? Models)
{
    [JsonPropertyName("object")]
    public string Object => "api_key";
}
