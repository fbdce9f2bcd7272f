using System.Text.Json;

namespace Nemo.Gateway.Admin.Prompts;

/// <summary>A prompt template as the admin API shows it: its latest version's template and variables, its labels, and (single reads) every version.</summary>
internal sealed record PromptView(
    Guid Id, string Name, int LatestVersion, JsonElement Template, string[] Variables, IReadOnlyDictionary<string, int> Labels,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<PromptVersionView>? Versions = null)
{
    public string Object => "prompt";

    /// <summary>The version a write created (POST /v1/prompts: 1; POST …/versions: the new one).</summary>
    public int Version => LatestVersion;
}
