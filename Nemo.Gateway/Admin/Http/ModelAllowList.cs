using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Admin.Http;

/// <summary>A model allow-list's names resolved against the catalog: each must be known; duplicates are dropped.</summary>
internal static class ModelAllowList
{
    public static bool TryResolve(string field, IEnumerable<string> names, Func<string, bool> known, out string[]? models, out OpenAIError error)
    {
        var list = new List<string>();
        foreach (string model in names)
        {
            if (!known(model))
            {
                models = null;
                error = OpenAIError.BadRequest($"{field}: the model '{(model.Length > 100 ? model[..100] + "…" : model)}' is not in this gateway's catalog (GET /v1/models lists it).", field, "model_not_found");
                return false;
            }
            if (!list.Contains(model, StringComparer.Ordinal))
                list.Add(model);
        }
        models = [.. list];
        error = default;
        return true;
    }
}
