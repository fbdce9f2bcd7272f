using System.Text.Json;

namespace Nemo.Gateway.Admin.Prompts;

/// <summary>One immutable version of a prompt template.</summary>
internal sealed record PromptVersionView(int Version, JsonElement Template, string[] Variables, string CreatedBy, DateTimeOffset CreatedAt);
