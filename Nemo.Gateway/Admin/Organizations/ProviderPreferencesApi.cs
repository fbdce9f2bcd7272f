using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Providers;
using Nemo.Gateway.Routing;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Organizations;

/// <summary>
/// <c>/v1/provider-preferences</c>: read (all roles), replace (owner, admin). OpenRouter's provider routing
/// for a whole organization: <c>order</c> ranks the operator's providers, <c>ignore</c> excludes some, by
/// their configured names. A PUT replaces both lists (an absent or null list is empty; <c>{}</c> clears).
/// A dedicated route rather than a PATCH field of the organization: the two lists are one setting, replaced
/// together, and validated against each other.
/// </summary>
internal static class ProviderPreferencesApi
{
    private const int MaxNameLength = 128;

    public static IEndpointRouteBuilder MapNemoProviderPreferencesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/provider-preferences", GetAsync).Members(MemberRole.Viewer, "read the organization's provider preferences");
        app.MapPut("/v1/provider-preferences", PutAsync).Members(MemberRole.Admin, "change the organization's provider preferences");
        return app;
    }

    private static async Task<IResult> GetAsync(HttpContext context, ProviderPreferencesStore store, ModelCatalog catalog)
    {
        (string[] order, string[] ignore) = await store.GetAsync(AdminCaller.Of(context).OrganizationId, context.RequestAborted);
        return AdminJson.Ok(new ProviderPreferencesView(order, ignore, Known(catalog)));
    }

    private static async Task<IResult> PutAsync(HttpContext context, ProviderPreferencesStore store, ModelCatalog catalog, IOptions<AdminOptions> options)
    {
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        string[] known = Known(catalog);
        string[] order, ignore;
        using (input)
        {
            if (!input.OnlyKnown(out error, "order", "ignore")
                || !TryList(input, "order", known, out order, out error)
                || !TryList(input, "ignore", known, out ignore, out error))
                return error.ToResult();
        }
        if (order.Intersect(ignore, StringComparer.Ordinal).FirstOrDefault() is { } both)
            return OpenAIError.BadRequest($"The provider '{both}' is in both order and ignore; a provider is either preferred or ignored.", "ignore", "invalid_value").ToResult();
        (order, ignore) = await store.SetAsync(AdminCaller.Of(context), order, ignore, context.RequestAborted);
        return AdminJson.Ok(new ProviderPreferencesView(order, ignore, known));
    }

    /// <summary>The operator's provider names (<c>Nemo:Providers:{name}</c>) that offer at least one model.</summary>
    private static string[] Known(ModelCatalog catalog) => [.. catalog.Models.Select(m => m.Provider).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>Absent or null: empty. Else an array of at most <see cref="ProviderPreferences.MaxProviders"/> distinct known provider names.</summary>
    private static bool TryList(JsonInput input, string name, string[] known, out string[] list, out OpenAIError error)
    {
        list = [];
        error = default;
        if (!input.TryGetElement(name, out JsonElement element))
            return true;
        if (element.ValueKind != JsonValueKind.Array)
        {
            error = OpenAIError.BadRequest($"{name} must be an array of provider names.", name, "invalid_type");
            return false;
        }
        if (element.GetArrayLength() > ProviderPreferences.MaxProviders)
        {
            error = OpenAIError.BadRequest($"{name} may list at most {ProviderPreferences.MaxProviders} providers (got {element.GetArrayLength()}).", name, "invalid_value");
            return false;
        }
        var names = new List<string>(element.GetArrayLength());
        int index = 0;
        foreach (JsonElement item in element.EnumerateArray())
        {
            string param = $"{name}[{index++}]";
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 and <= MaxNameLength } provider)
            {
                error = OpenAIError.BadRequest($"{param} must be a provider name: a string of 1 to {MaxNameLength} characters.", param, "invalid_value");
                return false;
            }
            if (!known.Contains(provider, StringComparer.Ordinal))
            {
                error = OpenAIError.BadRequest(
                    $"{param}: no provider '{provider}' is configured by the operator; choose among {string.Join(", ", known)}.", param, "unknown_provider");
                return false;
            }
            if (names.Contains(provider, StringComparer.Ordinal))
            {
                error = OpenAIError.BadRequest($"{param} names '{provider}' a second time; list each provider once.", param, "invalid_value");
                return false;
            }
            names.Add(provider);
        }
        list = [.. names];
        return true;
    }
}
