using Microsoft.Extensions.Configuration;
using Nemo.Grains.Money;

namespace Nemo.Gateway.Providers;

/// <summary>
/// Every deployment of every public model, and each model's fallbacks, validated at start-up with every
/// problem reported at once (a bad URL, a price that is negative or finer than a nano per million, a model
/// with no price in its configuration or the pricing catalog, a fallback to an unknown model…). A public
/// model may be offered by several providers: one deployment each, chosen among by weight (see
/// <see cref="Nemo.Gateway.Routing.DeploymentRouter"/>).
/// </summary>
internal sealed class ModelCatalog
{
    private readonly Dictionary<string, CatalogModel[]> _deployments;
    private readonly Dictionary<string, string[]> _fallbacks;
    private readonly Dictionary<string, ModelPrice> _reservationPrices;
    private readonly Dictionary<string, Proxy.PromptEncoding[]?> _promptEncodings;

    public ModelCatalog(IReadOnlyDictionary<string, CatalogModel> models)
        : this(models.ToDictionary(m => m.Key, m => new[] { m.Value }, StringComparer.Ordinal), new Dictionary<string, string[]>(StringComparer.Ordinal), new RoutingOptions())
    {
    }

    private ModelCatalog(Dictionary<string, CatalogModel[]> deployments, Dictionary<string, string[]> fallbacks, RoutingOptions routing)
    {
        _deployments = deployments;
        _fallbacks = fallbacks;
        Routing = routing;
        _reservationPrices = deployments.Keys.ToDictionary(name => name, ReservationPriceOf, StringComparer.Ordinal);
        _promptEncodings = deployments.Keys.ToDictionary(name => name, PromptEncodingsOf, StringComparer.Ordinal);
    }

    public RoutingOptions Routing { get; }

    /// <summary>Every deployment of every model.</summary>
    public IReadOnlyCollection<CatalogModel> Models => [.. _deployments.Values.SelectMany(d => d)];

    /// <summary>Each public model once, as its primary deployment.</summary>
    public IEnumerable<CatalogModel> Primaries => _deployments.Values.Select(d => d[0]);

    /// <summary>The model's primary deployment (highest weight, then provider name).</summary>
    public bool TryFind(string name, out CatalogModel model)
    {
        if (_deployments.TryGetValue(name, out CatalogModel[]? deployments))
        {
            model = deployments[0];
            return true;
        }
        model = null!;
        return false;
    }

    public IReadOnlyList<CatalogModel> Deployments(string name) => _deployments.TryGetValue(name, out CatalogModel[]? d) ? d : [];

    /// <summary>Whether at least one of the model's deployments is of a provider kind that serves the endpoint.</summary>
    public bool Serves(string name, Proxy.LlmEndpoint endpoint)
    {
        foreach (CatalogModel deployment in Deployments(name))
        {
            if (Adapters.ProviderAdapters.For(deployment.Kind).Serves(endpoint))
                return true;
        }
        return false;
    }

    /// <summary>The first refusal among the adapters of the model's deployments (see <see cref="Adapters.IProviderAdapter.Refuses"/>), or null.</summary>
    public Errors.OpenAIError? Refuses(string name, Proxy.LlmEndpoint endpoint, System.Text.Json.JsonElement request)
    {
        foreach (CatalogModel deployment in Deployments(name))
        {
            if (Adapters.ProviderAdapters.For(deployment.Kind).Refuses(endpoint, request) is { } refusal)
                return refusal;
        }
        return null;
    }

    public IReadOnlyList<string> Fallbacks(string name) => _fallbacks.TryGetValue(name, out string[]? f) ? f : [];

    /// <summary>
    /// The price a request for this model is reserved at: per prompt token the highest of input, cache-read and
    /// cache-write prices, per output token the highest of output and reasoning prices, over every deployment it
    /// may reach (its own and its fallbacks'), so that whichever serves it, however its tokens split, the charge
    /// fits the reservation.
    /// </summary>
    public ModelPrice ReservationPrice(string name) => _reservationPrices.TryGetValue(name, out ModelPrice price) ? price : default;

    private ModelPrice ReservationPriceOf(string name)
    {
        // Any prompt token may be a cache read or write and any output token reasoning: the highest rate of each side.
        IEnumerable<CatalogModel> reachable = Deployments(name).Concat(Fallbacks(name).SelectMany(Deployments));
        return new ModelPrice(reachable.Max(d => d.Price.MaxPromptNanosPerMillion), reachable.Max(d => d.Price.MaxOutputNanosPerMillion));
    }

    /// <summary>
    /// The tokenizers a request for this model may be counted by: those of every deployment it may reach (its own and
    /// its fallbacks'), or null when one of them has none (the prompt is then bounded by its bytes).
    /// </summary>
    public IReadOnlyList<Proxy.PromptEncoding>? PromptEncodings(string name) => _promptEncodings.GetValueOrDefault(name);

    /// <summary>
    /// The encodings of a request that names its own fallbacks (<c>models</c>), which replace the configured ones:
    /// exact only if every deployment of the model and of those fallbacks has a known tokenizer.
    /// </summary>
    public IReadOnlyList<Proxy.PromptEncoding>? PromptEncodings(string name, IReadOnlyList<string>? requestFallbacks)
    {
        if (requestFallbacks is null)
            return PromptEncodings(name);
        CatalogModel[] reachable = [.. Deployments(name).Concat(requestFallbacks.SelectMany(Deployments))];
        return reachable.All(d => d.Tokenizer is not null) ? [.. reachable.Select(d => d.Tokenizer!).Distinct()] : null;
    }

    private Proxy.PromptEncoding[]? PromptEncodingsOf(string name)
    {
        CatalogModel[] reachable = [.. Deployments(name).Concat(Fallbacks(name).SelectMany(Deployments))];
        return reachable.All(d => d.Tokenizer is not null) ? [.. reachable.Select(d => d.Tokenizer!).Distinct()] : null;
    }

    public static ModelCatalog FromConfiguration(IConfiguration configuration)
    {
        var providers = new Dictionary<string, ProviderOptions>(StringComparer.Ordinal);
        configuration.GetSection("Nemo:Providers").Bind(providers);
        var routing = new RoutingOptions();
        configuration.GetSection("Nemo:Routing").Bind(routing);
        var errors = new List<string>();
        PricingCatalog pricing = PricingCatalog.Load(configuration["Nemo:Pricing:File"] is { Length: > 0 } file ? file : PricingCatalog.DefaultPath, errors);
        var deployments = new Dictionary<string, List<CatalogModel>>(StringComparer.Ordinal);
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
            if (provider.Kind == ProviderKind.Azure && (provider.ApiVersion is not { Length: > 0 } version || version.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-')))
                errors.Add($"Nemo:Providers:{providerName}:ApiVersion must be set to Azure OpenAI's api-version, e.g. 2024-10-21, for a provider of Kind azure (currently '{provider.ApiVersion}').");
            if (provider.Kind == ProviderKind.Anthropic && provider.ApiVersion is { } anthropicVersion
                && (anthropicVersion.Length is 0 or > 64 || anthropicVersion.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-')))
                errors.Add($"Nemo:Providers:{providerName}:ApiVersion must be Anthropic's anthropic-version, e.g. 2023-06-01, or unset for a provider of Kind anthropic (currently '{anthropicVersion}').");
            var timeouts = new ProviderTimeouts(provider.ConnectTimeout, provider.FirstByteTimeout, provider.IdleTimeout);
            foreach ((string modelName, ModelOptions model) in provider.Models)
            {
                string where = $"Nemo:Providers:{providerName}:Models:{modelName}";
                ModelPrice? price = PriceOf(where, model, provider.Kind, model.UpstreamModel ?? modelName, pricing, errors, out long? catalogCap);
                if (model.OutputCap < 0)
                    errors.Add($"{where}:OutputCap must be zero or positive (currently {model.OutputCap}).");
                if (model.OutputLimitField is not ("max_tokens" or "max_completion_tokens"))
                    errors.Add($"{where}:OutputLimitField must be max_tokens or max_completion_tokens (currently '{model.OutputLimitField}').");
                if (model.Weight is < 1 or > 1000)
                    errors.Add($"{where}:Weight must be between 1 and 1000 (currently {model.Weight}).");
                if (model.UpstreamModel is { } upstream && (upstream.Length is 0 or > 256 || upstream.Any(char.IsControl)))
                    errors.Add($"{where}:UpstreamModel must be the provider's model name, 1 to 256 characters (currently '{upstream}').");
                foreach ((string name, TimeSpan? value) in new[] { ("FirstByteTimeout", model.FirstByteTimeout), ("IdleTimeout", model.IdleTimeout) })
                {
                    if (value <= TimeSpan.Zero)
                        errors.Add($"{where}:{name} must be positive when set (currently {value}).");
                }
                Proxy.PromptEncoding? tokenizer = null;
                if (model.Tokenizer is { } tokenizerName && !Proxy.PromptEncoding.TryGet(tokenizerName, out tokenizer))
                    errors.Add($"{where}:Tokenizer must be o200k_base or cl100k_base, or left out when the model's tokenizer is unknown (currently '{tokenizerName}').");
                if (provider.Kind == ProviderKind.Gemini && (model.UpstreamModel ?? modelName) is var geminiModel
                    && (geminiModel.StartsWith("models/", StringComparison.Ordinal) || geminiModel.Contains(':') || geminiModel.Contains('/')))
                    errors.Add($"{where}:UpstreamModel must be Gemini's model id without 'models/' or a method, e.g. gemini-2.5-flash, for a provider of Kind gemini (currently '{geminiModel}').");
                if (price is { } resolved)
                {
                    if (!deployments.TryGetValue(modelName, out List<CatalogModel>? list))
                        deployments[modelName] = list = [];
                    list.Add(new CatalogModel(modelName, providerName, EnsureTrailingSlash(baseUrl), provider.ApiKey,
                        resolved, model.OutputCap ?? catalogCap ?? DefaultOutputCap, model.OutputLimitField,
                        timeouts with { FirstByte = model.FirstByteTimeout ?? timeouts.FirstByte, Idle = model.IdleTimeout ?? timeouts.Idle }, model.UpstreamModel, model.Weight,
                        provider.Kind, provider.ApiVersion, tokenizer));
                }
            }
        }
        foreach ((string modelName, string[] fallbacks) in routing.Fallbacks)
        {
            if (!deployments.ContainsKey(modelName))
                errors.Add($"Nemo:Routing:Fallbacks:{modelName} names a model no provider offers.");
            foreach (string fallback in fallbacks)
            {
                if (fallback == modelName)
                    errors.Add($"Nemo:Routing:Fallbacks:{modelName} lists the model itself.");
                else if (!deployments.ContainsKey(fallback))
                    errors.Add($"Nemo:Routing:Fallbacks:{modelName} lists '{fallback}', which no provider offers.");
            }
            if (fallbacks.Distinct(StringComparer.Ordinal).Count() != fallbacks.Length)
                errors.Add($"Nemo:Routing:Fallbacks:{modelName} lists a model twice.");
        }
        if (routing.MaxAttempts is < 1 or > 10)
            errors.Add($"Nemo:Routing:MaxAttempts must be between 1 and 10 (currently {routing.MaxAttempts}).");
        if (routing.RetryDelay < TimeSpan.Zero || routing.RetryDelay > TimeSpan.FromSeconds(10))
            errors.Add($"Nemo:Routing:RetryDelay must be between 0 and 10 s (currently {routing.RetryDelay}).");
        if (routing.CooldownFailures is < 1 or > 100)
            errors.Add($"Nemo:Routing:CooldownFailures must be between 1 and 100 (currently {routing.CooldownFailures}).");
        if (routing.Cooldown < TimeSpan.FromSeconds(1))
            errors.Add($"Nemo:Routing:Cooldown must be at least 1 s (currently {routing.Cooldown}).");
        if (errors.Count == 0 && deployments.Count == 0)
            errors.Add("No model is configured: set Nemo:Providers:{name}:BaseUrl, ApiKey and Models:{model}:InputPerMillion/OutputPerMillion " +
                "(e.g. Nemo__Providers__openai__BaseUrl=https://api.openai.com/v1), or run with ASPNETCORE_ENVIRONMENT=Demo for the demo catalog of appsettings.Demo.json.");
        if (errors.Count > 0)
            throw new InvalidOperationException("Invalid provider configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)));
        return new ModelCatalog(
            deployments.ToDictionary(d => d.Key, d => d.Value.OrderByDescending(m => m.Weight).ThenBy(m => m.Provider, StringComparer.Ordinal).ToArray(), StringComparer.Ordinal),
            new Dictionary<string, string[]>(routing.Fallbacks, StringComparer.Ordinal), routing);
    }

    /// <summary>The output cap of a deployment whose configuration and catalog entry set none.</summary>
    public const long DefaultOutputCap = 4096;

    /// <summary>
    /// A deployment's price: its configured one when it has one (InputPerMillion and OutputPerMillion; the cache and
    /// reasoning prices default to them), else the pricing catalog's entry for its kind and upstream model, else
    /// an error naming both ways to give it one.
    /// </summary>
    private static ModelPrice? PriceOf(string where, ModelOptions model, ProviderKind kind, string upstream, PricingCatalog pricing, List<string> errors,
        out long? catalogCap)
    {
        catalogCap = null;
        bool configured = model.InputPerMillion is not null || model.OutputPerMillion is not null;
        if (!configured)
        {
            if (model.CachedInputPerMillion is not null || model.CacheWritePerMillion is not null || model.ReasoningPerMillion is not null)
            {
                errors.Add($"{where} sets a cache or reasoning price without InputPerMillion and OutputPerMillion; a configured price must give both (docs/PRICING.md).");
                return null;
            }
            if (pricing.TryFind(PricingCatalog.KindKey(kind), upstream, out PricingEntry entry))
            {
                catalogCap = entry.OutputCap;
                return entry.Price;
            }
            errors.Add($"{where} has no price: set its InputPerMillion and OutputPerMillion, or add prices.{PricingCatalog.KindKey(kind)}.\"{upstream}\" " +
                $"to the pricing catalog ({pricing.Path}; docs/PRICING.md).");
            return null;
        }
        bool ok = true;
        long input = Price(where, "InputPerMillion", model.InputPerMillion, null, errors, ref ok);
        long output = Price(where, "OutputPerMillion", model.OutputPerMillion, null, errors, ref ok);
        long cached = Price(where, "CachedInputPerMillion", model.CachedInputPerMillion, input, errors, ref ok);
        long cacheWrite = Price(where, "CacheWritePerMillion", model.CacheWritePerMillion, input, errors, ref ok);
        long reasoning = Price(where, "ReasoningPerMillion", model.ReasoningPerMillion, output, errors, ref ok);
        return ok ? new ModelPrice(input, output, cached, cacheWrite, reasoning) : null;
    }

    /// <summary>One configured price in nanos per million, or <paramref name="fallback"/> when unset (required when that is null).</summary>
    private static long Price(string where, string name, decimal? usdPerMillion, long? fallback, List<string> errors, ref bool ok)
    {
        if (usdPerMillion is not { } usd)
        {
            if (fallback is { } value)
                return value;
            errors.Add($"{where}:{name} must be set too: a configured price gives both InputPerMillion and OutputPerMillion.");
            ok = false;
            return 0;
        }
        if (Usd.TryToNanos(usd, out long nanos) && nanos >= 0)
            return nanos;
        errors.Add($"{where}:{name} must be a non-negative USD amount with at most 9 decimals (currently {usd}).");
        ok = false;
        return 0;
    }

    private static Uri EnsureTrailingSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
