using System.Text.Json;

namespace Nemo.Gateway.Admin.Guardrails;

/// <summary>A guardrail's writable fields, validated (the config compiles for its kind, action and stage).</summary>
internal sealed record GuardrailDraft(string Name, string Kind, string Action, string AppliesTo, JsonElement Config, bool Enabled, Guid? TeamId, Guid? KeyId);
