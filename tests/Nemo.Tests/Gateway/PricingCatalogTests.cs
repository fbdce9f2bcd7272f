using Microsoft.Extensions.Configuration;
using Nemo.Gateway.Providers;
using Nemo.Grains.Money;

namespace Nemo.Tests.Gateway;

/// <summary>
/// Where a deployment's price comes from: its configuration, else the shipped pricing catalog (or the file
/// <c>Nemo:Pricing:File</c> names) by provider kind and upstream model, else a start-up error that lists
/// every model without a price, with every other problem.
/// </summary>
public sealed class PricingCatalogTests : IDisposable
{
    private readonly List<string> _files = [];

    public void Dispose()
    {
        foreach (string file in _files)
            File.Delete(file);
    }

    private static ModelCatalog Catalog(Dictionary<string, string?> settings) =>
        ModelCatalog.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());

    private static Dictionary<string, string?> Provider(string name, string kind = "openai") => new()
    {
        [$"Nemo:Providers:{name}:Kind"] = kind,
        [$"Nemo:Providers:{name}:BaseUrl"] = "https://provider.example/v1",
        [$"Nemo:Providers:{name}:ApiVersion"] = kind == "azure" ? "2024-10-21" : null,
    };

    private static Dictionary<string, string?> Merge(params Dictionary<string, string?>[] parts) =>
        parts.SelectMany(p => p).ToDictionary(p => p.Key, p => p.Value);

    private string CatalogFile(string json)
    {
        string path = Path.Combine(Path.GetTempPath(), $"nemo-pricing-{Guid.NewGuid():N}.json");
        System.IO.File.WriteAllText(path, json);
        _files.Add(path);
        return path;
    }

    private static long Nanos(string usd) => Usd.ToNanos(decimal.Parse(usd, System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void ShippedCatalog_IsValid_AndPricesEachProviderKind()
    {
        var errors = new List<string>();
        PricingCatalog shipped = PricingCatalog.Load(PricingCatalog.DefaultPath, errors);

        Assert.Empty(errors);
        Assert.True(shipped.Count >= 40, $"{shipped.Count} entries");
        Assert.True(shipped.TryFind("openai", "gpt-4o-mini", out PricingEntry mini));
        Assert.Equal(new ModelPrice(Nanos("0.15"), Nanos("0.60"), Nanos("0.075"), Nanos("0.15"), Nanos("0.60")), mini.Price);
        Assert.True(shipped.TryFind("azure", "gpt-4o", out PricingEntry azure));
        Assert.Equal(Nanos("1.25"), azure.Price.CachedInputNanosPerMillion);
        Assert.True(shipped.TryFind("anthropic", "claude-sonnet-4-5", out PricingEntry sonnet));
        Assert.Equal(new ModelPrice(Nanos("3"), Nanos("15"), Nanos("0.30"), Nanos("3.75"), Nanos("15")), sonnet.Price);
        Assert.True(shipped.TryFind("gemini", "gemini-2.5-flash", out PricingEntry flash));
        Assert.Equal(new ModelPrice(Nanos("0.30"), Nanos("2.50")), flash.Price);
        Assert.False(shipped.TryFind("openai", "claude-sonnet-4-5", out _)); // keyed by kind, then model
    }

    [Fact]
    public void DeploymentWithoutAConfiguredPrice_TakesTheCatalogsForItsKindAndUpstreamModel()
    {
        Dictionary<string, string?> settings = Merge(Provider("openai"), Provider("azure", "azure"));
        settings["Nemo:Providers:openai:Models:fast:UpstreamModel"] = "gpt-4.1-mini";
        settings["Nemo:Providers:azure:Models:gpt-4o:Weight"] = "1";

        ModelCatalog catalog = Catalog(settings);

        Assert.Equal(new ModelPrice(Nanos("0.40"), Nanos("1.60"), Nanos("0.10"), Nanos("0.40"), Nanos("1.60")), catalog.Deployments("fast").Single().Price);
        Assert.Equal(new ModelPrice(Nanos("2.50"), Nanos("10"), Nanos("1.25"), Nanos("2.50"), Nanos("10")), catalog.Deployments("gpt-4o").Single().Price);
        Assert.Equal(ModelCatalog.DefaultOutputCap, catalog.Deployments("fast").Single().OutputCap);
    }

    [Fact]
    public void ConfiguredPrice_WinsOverTheCatalog_AndItsCacheAndReasoningPricesDefaultToInputAndOutput()
    {
        Dictionary<string, string?> settings = Provider("openai");
        settings["Nemo:Providers:openai:Models:gpt-4o:InputPerMillion"] = "1";
        settings["Nemo:Providers:openai:Models:gpt-4o:OutputPerMillion"] = "2";
        settings["Nemo:Providers:openai:Models:o3:InputPerMillion"] = "2";
        settings["Nemo:Providers:openai:Models:o3:OutputPerMillion"] = "8";
        settings["Nemo:Providers:openai:Models:o3:CachedInputPerMillion"] = "0.5";
        settings["Nemo:Providers:openai:Models:o3:CacheWritePerMillion"] = "2.5";
        settings["Nemo:Providers:openai:Models:o3:ReasoningPerMillion"] = "12.000000001";

        ModelCatalog catalog = Catalog(settings);

        Assert.Equal(new ModelPrice(1_000_000_000, 2_000_000_000, 1_000_000_000, 1_000_000_000, 2_000_000_000), catalog.Deployments("gpt-4o").Single().Price);
        Assert.Equal(new ModelPrice(2_000_000_000, 8_000_000_000, 500_000_000, 2_500_000_000, 12_000_000_001), catalog.Deployments("o3").Single().Price);
    }

    [Fact]
    public void ModelsWithoutAPrice_AreAllListed_WithEveryOtherProblem()
    {
        Dictionary<string, string?> settings = Provider("openai");
        settings["Nemo:Providers:openai:Models:house-model:Weight"] = "1";                      // no price anywhere
        settings["Nemo:Providers:openai:Models:renamed:UpstreamModel"] = "gpt-4o-mini-tts-2099";  // nor under its upstream name
        settings["Nemo:Providers:openai:Models:half:InputPerMillion"] = "1";                    // a configured price needs both
        settings["Nemo:Providers:openai:Models:reasoner:ReasoningPerMillion"] = "9";            // and can't be only a detail
        settings["Nemo:Providers:openai:Models:fine:InputPerMillion"] = "1";
        settings["Nemo:Providers:openai:Models:fine:OutputPerMillion"] = "2";
        settings["Nemo:Providers:openai:Models:fine:CachedInputPerMillion"] = "0.0000000001"; // finer than a nano
        settings["Nemo:Providers:openai:Models:gpt-4o:Weight"] = "0";                           // priced by the catalog, bad weight

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => Catalog(settings));

        string message = error.Message;
        Assert.Contains("Nemo:Providers:openai:Models:house-model has no price", message);
        Assert.Contains("prices.openai.\"house-model\"", message);
        Assert.Contains("Nemo:Providers:openai:Models:renamed has no price", message);
        Assert.Contains("prices.openai.\"gpt-4o-mini-tts-2099\"", message);
        Assert.Contains("Nemo:Providers:openai:Models:half:OutputPerMillion must be set too", message);
        Assert.Contains("Nemo:Providers:openai:Models:reasoner sets a cache or reasoning price without InputPerMillion and OutputPerMillion", message);
        Assert.Contains("Nemo:Providers:openai:Models:fine:CachedInputPerMillion must be a non-negative USD amount", message);
        Assert.Contains("Nemo:Providers:openai:Models:gpt-4o:Weight must be between 1 and 1000", message);
        Assert.DoesNotContain("Models:gpt-4o has no price", message);
        Assert.DoesNotContain("Models:fine has no price", message);
    }

    [Fact]
    public void PricingFile_ReplacesTheShippedOne_WithItsOutputCap_AndItsNumbersParsedExactly()
    {
        string file = CatalogFile("""
            // comments are allowed
            {
              "as_of": "test",
              "prices": {
                "openai": {
                  "house-model": { "input": 0.1, "cached_input": 0.000000001, "cache_write": 0.3, "output": 0.7, "reasoning": 1234567.123456789, "output_cap": 777 },
                },
                "anthropic": { "claude-x": { "input": 3, "output": 15 } }
              }
            }
            """);
        Dictionary<string, string?> settings = Provider("openai");
        settings["Nemo:Pricing:File"] = file;
        settings["Nemo:Providers:openai:Models:house:UpstreamModel"] = "house-model";
        settings["Nemo:Providers:openai:Models:capped:UpstreamModel"] = "house-model";
        settings["Nemo:Providers:openai:Models:capped:OutputCap"] = "5";

        ModelCatalog catalog = Catalog(settings);

        CatalogModel house = catalog.Deployments("house").Single();
        Assert.Equal(new ModelPrice(100_000_000, 700_000_000, 1, 300_000_000, 1_234_567_123_456_789), house.Price);
        Assert.Equal(777, house.OutputCap);
        Assert.Equal(5, catalog.Deployments("capped").Single().OutputCap); // configuration wins here too
        // gpt-4o is in the shipped file, not in this one.
        settings["Nemo:Providers:openai:Models:gpt-4o:Weight"] = "1";
        Assert.Contains("Models:gpt-4o has no price", Assert.Throws<InvalidOperationException>(() => Catalog(settings)).Message);
    }

    [Fact]
    public void PricingFile_ReportsEveryProblemAtOnce()
    {
        string file = CatalogFile("""
            {
              "prices": {
                "openai": {
                  "a": { "input": -1, "output": 1 },
                  "b": { "input": 0.0000000001, "output": 1 },
                  "c": { "input": "0.15", "output": 1 },
                  "d": { "input": 1 },
                  "e": { "input": 1, "output": 1, "cached": 0.5 },
                  "f": { "input": 1, "output": 1, "output_cap": 1.5 },
                  "g": [1, 2],
                  "ok": { "input": 1, "output": 2 }
                },
                "azure": 3
              },
              "extra": true
            }
            """);
        var errors = new List<string>();

        PricingCatalog catalog = PricingCatalog.Load(file, errors);

        string all = string.Join("\n", errors);
        Assert.Contains("prices.openai.a.input must be a non-negative USD amount", all);
        Assert.Contains("prices.openai.b.input must be a non-negative USD amount", all);
        Assert.Contains("prices.openai.c.input must be a non-negative USD amount per million tokens with at most 9 decimals, as a JSON number (currently \"0.15\")", all);
        Assert.Contains("prices.openai.d must give both input and output", all);
        Assert.Contains("prices.openai.e: unknown field 'cached'", all);
        Assert.Contains("prices.openai.f.output_cap must be a whole number", all);
        Assert.Contains("prices.openai.g must be an object", all);
        Assert.Contains("prices.azure must be an object", all);
        Assert.Contains("unknown field 'extra'", all);
        Assert.Equal(9, errors.Count);
        Assert.Equal(1, catalog.Count); // only "ok"
        Assert.True(catalog.TryFind("openai", "ok", out _));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1]")]
    [InlineData("{\"prices\": []}")]
    public void PricingFile_ThatIsNotACatalog_IsAStartUpError(string json)
    {
        Dictionary<string, string?> settings = Provider("openai");
        settings["Nemo:Pricing:File"] = CatalogFile(json);
        settings["Nemo:Providers:openai:Models:m:InputPerMillion"] = "1";
        settings["Nemo:Providers:openai:Models:m:OutputPerMillion"] = "1";

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => Catalog(settings));
        Assert.Contains("nemo-pricing-", error.Message);
    }

    [Fact]
    public void MissingPricingFile_IsAStartUpError()
    {
        Dictionary<string, string?> settings = Provider("openai");
        settings["Nemo:Pricing:File"] = "/nonexistent/pricing.json";
        settings["Nemo:Providers:openai:Models:gpt-4o:Weight"] = "1";

        string message = Assert.Throws<InvalidOperationException>(() => Catalog(settings)).Message;
        Assert.Contains("The pricing catalog /nonexistent/pricing.json could not be read", message);
        Assert.Contains("Models:gpt-4o has no price", message);
    }

    [Fact]
    public void Reservation_CoversTheDearestTokenOfEveryReachableDeployment_SoNoSettleExceedsIt()
    {
        Dictionary<string, string?> settings = Merge(Provider("a"), Provider("b"), Provider("c"));
        // m on a (dear cache writes) and b (dear reasoning), falling back to f on c (dear cache reads, cheap output).
        (string Provider, string Model, string Prices)[] deployments =
        [
            ("a", "m", "1|4|0.1|5|4"),
            ("b", "m", "2|3|1|2|9"),
            ("c", "f", "0.5|1|6|0.5|1"),
        ];
        foreach ((string provider, string model, string prices) in deployments)
        {
            string[] p = prices.Split('|');
            string where = $"Nemo:Providers:{provider}:Models:{model}";
            settings[$"{where}:InputPerMillion"] = p[0];
            settings[$"{where}:OutputPerMillion"] = p[1];
            settings[$"{where}:CachedInputPerMillion"] = p[2];
            settings[$"{where}:CacheWritePerMillion"] = p[3];
            settings[$"{where}:ReasoningPerMillion"] = p[4];
        }
        settings["Nemo:Routing:Fallbacks:m:0"] = "f";
        ModelCatalog catalog = Catalog(settings);

        ModelPrice reserved = catalog.ReservationPrice("m");

        Assert.Equal(new ModelPrice(6_000_000_000, 9_000_000_000), reserved);
        long reservation = reserved.Cost(1_000, 500);
        foreach (CatalogModel deployment in catalog.Deployments("m").Concat(catalog.Deployments("f")))
            for (long cached = 0; cached <= 1_000; cached += 50)
                for (long cacheWrite = 0; cacheWrite <= 1_000 - cached; cacheWrite += 50)
                    for (long reasoning = 0; reasoning <= 500; reasoning += 50)
                        Assert.True(deployment.Price.Cost(new TokenUsage(1_000, 500, cached, cacheWrite, reasoning)) <= reservation);
        Assert.Equal(new ModelPrice(6_000_000_000, 1_000_000_000), catalog.ReservationPrice("f")); // f alone reaches only c

        // A request naming its own fallbacks (models: [...]) is priced by its route plan, by the same rule.
        var plan = new Nemo.Gateway.Routing.RoutePlan(["f"], Nemo.Gateway.Routing.ProviderPreferences.None);
        Assert.True(plan.TryReservationPrice(catalog, "m", Nemo.Gateway.Proxy.LlmEndpoint.ChatCompletions, out ModelPrice planned));
        Assert.Equal(new ModelPrice(6_000_000_000, 9_000_000_000), planned);
        var alone = new Nemo.Gateway.Routing.RoutePlan([], Nemo.Gateway.Routing.ProviderPreferences.None);
        Assert.True(alone.TryReservationPrice(catalog, "m", Nemo.Gateway.Proxy.LlmEndpoint.ChatCompletions, out ModelPrice own));
        Assert.Equal(new ModelPrice(5_000_000_000, 9_000_000_000), own); // m's deployments only: a's cache writes, b's reasoning
    }
}
