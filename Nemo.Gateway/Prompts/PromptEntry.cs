namespace Nemo.Gateway.Prompts;

/// <summary>A template as the request path knows it: its versions (immutable) and its labels (each naming a version).</summary>
internal sealed record PromptEntry(Guid Id, int LatestVersion, IReadOnlyDictionary<int, PromptTemplate> Versions, IReadOnlyDictionary<string, int> Labels)
{
    /// <summary>The version a reference names: a number, a label, or (absent) the latest.</summary>
    public bool TryResolve(string? versionOrLabel, out int version, out PromptTemplate? template)
    {
        template = null;
        version = LatestVersion;
        if (versionOrLabel is not null)
        {
            if (int.TryParse(versionOrLabel, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int number))
                version = number;
            else if (!Labels.TryGetValue(versionOrLabel, out version))
                return false;
        }
        return Versions.TryGetValue(version, out template);
    }
}
