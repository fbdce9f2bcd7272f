using System.Text.Json;
using Nemo.Grains.Money;

namespace Nemo.Gateway.Providers;

/// <summary>
/// List prices by provider kind and the provider's model name, read from a JSON data file at start-up
/// (docs/PRICING.md): the shipped <c>Providers/pricing.json</c>, or <c>Nemo:Pricing:File</c>. A deployment
/// without a configured price takes its entry from here. Amounts are read as exact decimals (never binary
/// floating point) and held to the configuration's rule: non-negative, at most 9 decimals. Every problem
/// in the file is reported at once, with its JSON path.
/// </summary>
internal sealed class PricingCatalog
{
    /// <summary>The shipped file, next to the gateway's assembly.</summary>
    public static string DefaultPath => System.IO.Path.Combine(AppContext.BaseDirectory, "Providers", "pricing.json");

    private readonly Dictionary<(string Kind, string Model), PricingEntry> _entries;

    private PricingCatalog(string path, Dictionary<(string Kind, string Model), PricingEntry> entries)
    {
        Path = path;
        _entries = entries;
    }

    /// <summary>Where the catalog was read from (for error messages).</summary>
    public string Path { get; }

    public int Count => _entries.Count;

    /// <summary>The entry for a provider kind (<c>openai</c>, <c>azure</c>, <c>anthropic</c>, <c>gemini</c>…) and the provider's model name.</summary>
    public bool TryFind(string kind, string upstreamModel, out PricingEntry entry) => _entries.TryGetValue((kind, upstreamModel), out entry!);

    /// <summary>The catalog key of a provider kind: its configuration name in lower case.</summary>
    public static string KindKey(ProviderKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>Reads and validates a catalog file; problems go to <paramref name="errors"/> and the valid entries are kept.</summary>
    public static PricingCatalog Load(string path, List<string> errors)
    {
        string full = System.IO.Path.GetFullPath(path);
        var entries = new Dictionary<(string, string), PricingEntry>();
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            errors.Add($"The pricing catalog {full} could not be read ({ex.GetType().Name}: {ex.Message}).");
            return new PricingCatalog(full, entries);
        }
        try
        {
            using JsonDocument document = JsonDocument.Parse(bytes, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            Read(document.RootElement, full, entries, errors);
        }
        catch (JsonException ex)
        {
            errors.Add($"The pricing catalog {full} is not valid JSON: {ex.Message}");
        }
        return new PricingCatalog(full, entries);
    }

    /// <summary>An empty catalog (every deployment must then have a configured price).</summary>
    public static PricingCatalog Empty(string path) => new(path, []);

    private static void Read(JsonElement root, string file, Dictionary<(string, string), PricingEntry> entries, List<string> errors)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"The pricing catalog {file} must be a JSON object with a \"prices\" object.");
            return;
        }
        JsonElement? prices = null;
        foreach (JsonProperty top in root.EnumerateObject())
        {
            switch (top.Name)
            {
                case "prices":
                    prices = top.Value;
                    break;
                case "as_of" or "note":
                    if (top.Value.ValueKind != JsonValueKind.String)
                        errors.Add($"{file}: {top.Name} must be a string.");
                    break;
                default:
                    errors.Add($"{file}: unknown field '{top.Name}' (expected as_of, note, prices).");
                    break;
            }
        }
        if (prices is not { ValueKind: JsonValueKind.Object } byKind)
        {
            errors.Add($"{file}: \"prices\" must be an object keyed by provider kind (openai, azure, anthropic, gemini…).");
            return;
        }
        foreach (JsonProperty kind in byKind.EnumerateObject())
        {
            if (kind.Value.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{file}: prices.{kind.Name} must be an object keyed by the provider's model name.");
                continue;
            }
            foreach (JsonProperty model in kind.Value.EnumerateObject())
            {
                string where = $"{file}: prices.{kind.Name}.{model.Name}";
                if (ReadEntry(model.Value, where, errors) is { } entry && !entries.TryAdd((kind.Name, model.Name), entry))
                    errors.Add($"{where} is listed twice.");
            }
        }
    }

    private static PricingEntry? ReadEntry(JsonElement value, string where, List<string> errors)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{where} must be an object with input and output (USD per million tokens).");
            return null;
        }
        long? input = null, output = null, cached = null, cacheWrite = null, reasoning = null, outputCap = null;
        bool ok = true;
        foreach (JsonProperty field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "input": ok &= Amount(field, where, errors, ref input); break;
                case "output": ok &= Amount(field, where, errors, ref output); break;
                case "cached_input": ok &= Amount(field, where, errors, ref cached); break;
                case "cache_write": ok &= Amount(field, where, errors, ref cacheWrite); break;
                case "reasoning": ok &= Amount(field, where, errors, ref reasoning); break;
                case "output_cap":
                    if (field.Value.ValueKind == JsonValueKind.Number && field.Value.TryGetInt64(out long cap) && cap >= 0)
                        outputCap = cap;
                    else
                    {
                        errors.Add($"{where}.output_cap must be a whole number of tokens, zero or more (currently {field.Value.GetRawText()}).");
                        ok = false;
                    }
                    break;
                default:
                    errors.Add($"{where}: unknown field '{field.Name}' (expected input, cached_input, cache_write, output, reasoning, output_cap).");
                    ok = false;
                    break;
            }
        }
        if (!ok)
            return null;
        if (input is null || output is null)
        {
            errors.Add($"{where} must give both input and output.");
            return null;
        }
        return new PricingEntry(new ModelPrice(input.Value, output.Value, cached ?? input.Value, cacheWrite ?? input.Value, reasoning ?? output.Value), outputCap);
    }

    /// <summary>USD per million tokens as a JSON number, parsed exactly as a decimal, into nanos per million.</summary>
    private static bool Amount(JsonProperty field, string where, List<string> errors, ref long? nanos)
    {
        if (field.Value.ValueKind == JsonValueKind.Number && field.Value.TryGetDecimal(out decimal usd)
            && Usd.TryToNanos(usd, out long parsed) && parsed >= 0)
        {
            nanos = parsed;
            return true;
        }
        errors.Add($"{where}.{field.Name} must be a non-negative USD amount per million tokens with at most 9 decimals, as a JSON number (currently {field.Value.GetRawText()}).");
        return false;
    }
}

/// <summary>One model's list prices (in nanos per million tokens) and, optionally, its default output cap.</summary>
internal sealed record PricingEntry(ModelPrice Price, long? OutputCap);
