using System.Text.RegularExpressions;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Admin.Organizations;

/// <summary>What organization settings may be: each check returns the message to show.</summary>
internal static partial class OrganizationRules
{
    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$")]
    private static partial Regex SlugPattern();

    public static bool ValidSlug(string slug) => SlugPattern().IsMatch(slug) && !slug.Contains("--", StringComparison.Ordinal) && !slug.StartsWith("deleted-", StringComparison.Ordinal);

    public static OpenAIError SlugError(string slug) => OpenAIError.BadRequest(
        $"slug '{slug}' must be 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit (and not starting with 'deleted-').",
        "slug", "invalid_value");

    /// <summary>An absolute http(s) URL of at most 2,048 characters.</summary>
    public static bool ValidUrl(string url) =>
        url.Length <= 2048 && Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https" && !string.IsNullOrEmpty(uri.Host);

    public static OpenAIError UrlError(string field, string url) =>
        OpenAIError.BadRequest($"{field} must be an absolute http:// or https:// URL of at most 2048 characters (got '{(url.Length > 100 ? url[..100] + "…" : url)}').", field, "invalid_value");
}
