using System.CommandLine.Parsing;
using System.Globalization;

namespace Nemo.Bench.Cli;

/// <summary>Custom parsers and range validators; every message names the flag and the offending value.</summary>
internal static class ArgParsers
{
    public const int MaxRate = 100_000;

    public static readonly int[] DefaultRates = [500, 2000, 5000];

    /// <summary>Parses "500,2000,5000" into positive request rates.</summary>
    public static int[] ParseRates(ArgumentResult result)
    {
        if (result.Tokens.Count == 0)
        {
            return [.. DefaultRates];
        }

        string text = TokenText(result);
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            result.AddError($"{FlagName(result)}: '{text}' is not a comma-separated list of rates, e.g. 500,2000,5000.");
            return [];
        }

        var rates = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out int rate)
                || rate < 1 || rate > MaxRate)
            {
                result.AddError($"{FlagName(result)}: '{parts[i]}' in '{text}' is not a whole rate between 1 and {MaxRate} requests/s.");
                return [];
            }

            rates[i] = rate;
        }

        return rates;
    }

    /// <summary>Parses an absolute http(s) base URL such as http://127.0.0.1:5000/v1.</summary>
    public static Uri? ParseBaseUrl(ArgumentResult result)
    {
        string text = TokenText(result);
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            result.AddError($"{FlagName(result)}: '{text}' is not an absolute http(s) base URL such as http://127.0.0.1:5000/v1.");
            return null;
        }

        return uri;
    }

    /// <summary>A parser for a whole number in [min, max]; the default applies when the flag is absent.</summary>
    public static Func<ArgumentResult, int> IntInRange(int fallback, int min, int max) => result =>
    {
        if (result.Tokens.Count == 0)
        {
            return fallback;
        }

        string text = TokenText(result);
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
            || value < min || value > max)
        {
            result.AddError($"{FlagName(result)}: '{text}' must be a whole number between {min} and {max}.");
            return fallback;
        }

        return value;
    };

    /// <summary>A parser for a number in (min or [min, max]; the default applies when the flag is absent.</summary>
    public static Func<ArgumentResult, double> DoubleInRange(double fallback, double min, double max, bool minExclusive) => result =>
    {
        if (result.Tokens.Count == 0)
        {
            return fallback;
        }

        string text = TokenText(result);
        bool parsed = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            && double.IsFinite(value);
        if (!parsed || (minExclusive ? value <= min : value < min) || value > max)
        {
            string lower = minExclusive ? $"greater than {Fmt(min)}" : $"at least {Fmt(min)}";
            result.AddError($"{FlagName(result)}: '{text}' must be a number {lower} and at most {Fmt(max)}.");
            return fallback;
        }

        return value;
    };

    public static void RequireNonBlank(OptionResult result)
    {
        if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
        {
            result.AddError($"{result.Option.Name}: the value must not be empty.");
        }
    }

    private static string TokenText(ArgumentResult result) =>
        result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;

    private static string FlagName(ArgumentResult result) =>
        result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;

    private static string Fmt(double value) => value.ToString(CultureInfo.InvariantCulture);
}
