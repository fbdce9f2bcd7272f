using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Admin.Http;

/// <summary>Ids in paths: anything that isn't a UUID simply names nothing in this organization (404).</summary>
internal static class RouteIds
{
    public static bool TryParse(string raw, string kind, out Guid id, out OpenAIError error)
    {
        if (Guid.TryParse(raw, out id))
        {
            error = default;
            return true;
        }
        error = AdminErrors.NotFound(kind, raw.Length > 80 ? raw[..80] + "…" : raw);
        return false;
    }
}
