using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Providers;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.ProviderKeys;

/// <summary>
/// <c>/v1/provider-keys</c> (owner, admin): the organization's own credentials for the operator's
/// providers (bring your own key). A stored key replaces the operator's for this organization's requests
/// to that provider, on every gateway within about a second. Secrets go in and never come out.
/// </summary>
internal static class ProviderKeysApi
{
    private const int MaxSecretLength = 4096;

    public static IEndpointRouteBuilder MapNemoProviderKeysApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/provider-keys", ListAsync).Members(MemberRole.Admin, "read the organization's provider keys");
        app.MapPut("/v1/provider-keys/{provider}", PutAsync).Members(MemberRole.Admin, "set a provider key");
        app.MapDelete("/v1/provider-keys/{provider}", DeleteAsync).Members(MemberRole.Admin, "remove a provider key");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, ProviderKeyStore store) =>
        AdminJson.List(await store.ListAsync(AdminCaller.Of(context).OrganizationId, context.RequestAborted));

    private static async Task<IResult> PutAsync(HttpContext context, string provider, ProviderKeyStore store, ModelCatalog catalog, IOptions<AdminOptions> options)
    {
        if (!Offered(catalog, provider))
            return NotOffered(catalog, provider);
        (JsonInput? input, OpenAIError error) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return error.ToResult();
        string secret;
        using (input)
        {
            if (!input.OnlyKnown(out error, "api_key") || !input.RequiredString("api_key", MaxSecretLength, out secret, out error))
                return error.ToResult();
        }
        if (secret.Trim().Length == 0 || secret.Any(char.IsControl))
            return OpenAIError.BadRequest("api_key must be the provider's key: non-empty, without spaces around it or control characters.", "api_key", "invalid_value").ToResult();
        return AdminJson.Ok(await store.SetAsync(AdminCaller.Of(context), provider, secret, context.RequestAborted));
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string provider, ProviderKeyStore store, ModelCatalog catalog)
    {
        if (!Offered(catalog, provider))
            return NotOffered(catalog, provider);
        Outcome<bool> outcome = await store.DeleteAsync(AdminCaller.Of(context), provider, context.RequestAborted);
        return outcome.Ok ? AdminJson.Ok(new { provider, deleted = true }) : outcome.Error.ToResult();
    }

    private static bool Offered(ModelCatalog catalog, string provider) => catalog.Models.Any(m => m.Provider == provider);

    private static IResult NotOffered(ModelCatalog catalog, string provider) =>
        OpenAIError.NotFound($"No provider '{(provider.Length > 64 ? provider[..64] + "…" : provider)}' is configured by the operator; choose one of {string.Join(", ", catalog.Models.Select(m => m.Provider).Distinct().Order())}.",
            "provider_not_found", "provider").ToResult();
}
