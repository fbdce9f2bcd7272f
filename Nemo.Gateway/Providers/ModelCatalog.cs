using Microsoft.Extensions.Configuration;
using Nemo.Grains.Money;

namespace Nemo.Gateway.Providers;

/// <summary>
/// Every model of every configured provider, validated at start-up with every problem reported at
/// once (a model offered twice, a bad URL, a price that is negative or finer than a nano per million).
/// </summary>
internal sealed class ModelCatalog
{
    private readonly Dictionary<string, CatalogModel> _models;

    public ModelCatalog(IReadOnlyDictionary<string, CatalogModel> models) => _models = new Dictionary<string, CatalogModel>(models, StringComparer.Ordinal);

    public IReadOnlyCollection<CatalogModel> Models => _models.Values;

    public bool TryFind(string name, out CatalogModel model) => _models.TryGetValue(name, out model!);

    public static ModelCatalog FromConfiguration(IConfiguration configuration)
    {
        var providers = new Dictionary<string, ProviderOptions>(StringComparer.Ordinal);
        configuration.GetSection("Nemo:Providers").Bind(providers);
        var errors = new List<string>();
        var models = new Dictionary<string, CatalogModel>(StringComparer.Ordinal);
        foreach ((string providerName, ProviderOptions provider) in providers)
        {
            if (!Uri.TryCreate(provider.BaseUrl, UriKind.Absolute, out Uri? baseUrl) || (baseUrl.Scheme != "http" && baseUrl.Scheme != "https"))
            {
                errors.Add($"Nemo:Providers:{providerName}:BaseUrl must be an absolute http(s) URL (currently '{provider.BaseUrl}').");
                continue;
            }
            foreach ((string name, TimeSpan value) in new[] { ("ConnectTimeout", provider.ConnectTimeout), ("FirstByteTimeout", provider.FirstByteTimeout), ("IdleTimeout", provider.IdleTimeout) })
            {
                if (value <= TimeSpan.Zero)
                    errors.Add($"Nemo:Providers:{providerName}:{name} must be positive (currently {value}).");
            }
            var timeouts = new ProviderTimeouts(provider.ConnectTimeout, provider.FirstByteTimeout, provider.IdleTimeout);
            foreach ((string modelName, ModelOptions model) in provider.Models)
            {
                string where = $"Nemo:Providers:{providerName}:Models:{modelName}";
                bool inputOk = TryPrice(model.InputPerMillion, out long input);
                bool outputOk = TryPrice(model.OutputPerMillion, out long output);
                if (!inputOk)
                    errors.Add($"{where}:InputPerMillion must be a non-negative USD amount with at most 9 decimals (currently {model.InputPerMillion}).");
                if (!outputOk)
                    errors.Add($"{where}:OutputPerMillion must be a non-negative USD amount with at most 9 decimals (currently {model.OutputPerMillion}).");
                if (model.OutputCap < 0)
                    errors.Add($"{where}:OutputCap must be zero or positive (currently {model.OutputCap}).");
                if (model.OutputLimitField is not ("max_tokens" or "max_completion_tokens"))
                    errors.Add($"{where}:OutputLimitField must be max_tokens or max_completion_tokens (currently '{model.OutputLimitField}').");
                if (models.TryGetValue(modelName, out CatalogModel? other))
                    errors.Add($"Model '{modelName}' is offered by both providers '{other.Provider}' and '{providerName}'; keep it in one.");
                else if (inputOk && outputOk)
                    models[modelName] = new CatalogModel(modelName, providerName, EnsureTrailingSlash(baseUrl), provider.ApiKey,
                        new ModelPrice(input, output), model.OutputCap, model.OutputLimitField, timeouts);
            }
        }
        if (errors.Count == 0 && models.Count == 0)
            errors.Add("No model is configured: set Nemo:Providers:{name}:BaseUrl, ApiKey and Models:{model}:InputPerMillion/OutputPerMillion " +
                "(e.g. Nemo__Providers__openai__BaseUrl=https://api.openai.com/v1), or run with ASPNETCORE_ENVIRONMENT=Demo for the demo catalog of appsettings.Demo.json.");
        if (errors.Count > 0)
            throw new InvalidOperationException("Invalid provider configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)));
        return new ModelCatalog(models);
    }

    private static bool TryPrice(decimal usdPerMillion, out long nanosPerMillion) =>
        Usd.TryToNanos(usdPerMillion, out nanosPerMillion) && nanosPerMillion >= 0;

    private static Uri EnsureTrailingSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
