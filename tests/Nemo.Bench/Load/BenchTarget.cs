namespace Nemo.Bench.Load;

/// <summary>Where one side of the comparison sends its requests.</summary>
internal sealed class BenchTarget
{
    public BenchTarget(string name, Uri baseUrl, string apiKey)
    {
        Name = name;
        BaseUrl = baseUrl;
        string path = baseUrl.AbsolutePath.TrimEnd('/');
        ChatCompletions = new UriBuilder(baseUrl) { Path = path + "/chat/completions" }.Uri;
        Authorization = "Bearer " + apiKey;
    }

    /// <summary>"direct" or "nemo".</summary>
    public string Name { get; }

    public Uri BaseUrl { get; }

    public Uri ChatCompletions { get; }

    /// <summary>The Authorization header value, built once.</summary>
    public string Authorization { get; }
}
