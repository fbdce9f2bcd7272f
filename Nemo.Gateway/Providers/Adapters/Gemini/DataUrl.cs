namespace Nemo.Gateway.Providers.Adapters.Gemini;

/// <summary>A base64 <c>data:</c> URL (<c>data:image/png;base64,…</c>): what Gemini's <c>inlineData</c> carries as it is.</summary>
internal static class DataUrl
{
    public static bool TryParse(string url, out string mimeType, out string base64)
    {
        mimeType = base64 = "";
        if (!url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
            return false;
        int marker = url.IndexOf(";base64,", StringComparison.OrdinalIgnoreCase);
        if (marker <= 5)
            return false;
        string mime = url[5..marker];
        int slash = mime.IndexOf('/');
        if (slash <= 0 || slash == mime.Length - 1 || mime.Length > 128 || mime.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('/' or '.' or '+' or '-')))
            return false;
        mimeType = mime.ToLowerInvariant();
        base64 = url[(marker + ";base64,".Length)..];
        return base64.Length > 0;
    }
}
