using System.Text.Json;

namespace Nemo.Gateway.Admin.Guardrails;

/// <summary>A guardrail as the admin API shows it (docs/API.md).</summary>
internal sealed record GuardrailView(
    Guid Id, string Name, string Kind, string Action, string AppliesTo, JsonElement Config, bool Enabled,
    Guid? TeamId, Guid? KeyId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public string Object => "guardrail";
}
