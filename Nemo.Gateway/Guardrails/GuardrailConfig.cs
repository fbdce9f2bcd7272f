using System.Text.Json;

namespace Nemo.Gateway.Guardrails;

/// <summary>
/// A guardrail's <c>config</c> by kind (docs/API.md): checked when the admin API writes it and compiled
/// when a gateway loads it, by the same code, so a stored rule always compiles. keywords
/// <c>{"keywords": [..], "case_sensitive"?}</c>, regex <c>{"pattern": ".."}</c>, pii
/// <c>{"entities": [..]}</c> (absent: all), max_prompt_tokens <c>{"max": n}</c>.
/// </summary>
internal static class GuardrailConfig
{
    public const long MaxTokensLimit = 10_000_000;

    private static readonly (string Name, PiiEntity Entity)[] Entities =
    [
        ("email", PiiEntity.Email), ("phone", PiiEntity.Phone), ("card", PiiEntity.Card), ("iban", PiiEntity.Iban),
        ("ssn", PiiEntity.Ssn), ("ip", PiiEntity.Ip), ("secret", PiiEntity.Secret),
    ];

    public static string Name(GuardrailKind kind) => kind switch
    {
        GuardrailKind.Pii => "pii",
        GuardrailKind.Regex => "regex",
        GuardrailKind.Keywords => "keywords",
        _ => "max_prompt_tokens",
    };

    public static bool TryParseKind(string? text, out GuardrailKind kind)
    {
        (bool ok, kind) = text switch
        {
            "pii" => (true, GuardrailKind.Pii),
            "regex" => (true, GuardrailKind.Regex),
            "keywords" => (true, GuardrailKind.Keywords),
            "max_prompt_tokens" => (true, GuardrailKind.MaxPromptTokens),
            _ => (false, GuardrailKind.Pii),
        };
        return ok;
    }

    public static string Name(GuardrailAction action) => action switch
    {
        GuardrailAction.Block => "block",
        GuardrailAction.Redact => "redact",
        _ => "flag",
    };

    public static bool TryParseAction(string? text, out GuardrailAction action)
    {
        (bool ok, action) = text switch
        {
            "block" => (true, GuardrailAction.Block),
            "redact" => (true, GuardrailAction.Redact),
            "flag" => (true, GuardrailAction.Flag),
            _ => (false, GuardrailAction.Flag),
        };
        return ok;
    }

    public static string Name(GuardrailStage stage) => stage switch
    {
        GuardrailStage.Input => "input",
        GuardrailStage.Output => "output",
        _ => "both",
    };

    public static bool TryParseStage(string? text, out GuardrailStage stage)
    {
        (bool ok, stage) = text switch
        {
            "input" => (true, GuardrailStage.Input),
            "output" => (true, GuardrailStage.Output),
            "both" => (true, GuardrailStage.Both),
            _ => (false, GuardrailStage.Input),
        };
        return ok;
    }

    /// <summary>
    /// Compiles a rule's config. On failure <paramref name="problem"/> says what to change, naming the field
    /// under <c>config</c>. Rules that can't apply as asked are refused too: max_prompt_tokens only reads
    /// input and can't redact.
    /// </summary>
    public static bool TryCompile(GuardrailKind kind, GuardrailAction action, GuardrailStage stage, JsonElement config,
        out GuardrailMatcher? matcher, out long maxTokens, out string? problem)
    {
        matcher = null;
        maxTokens = 0;
        problem = null;
        if (config.ValueKind != JsonValueKind.Object)
        {
            problem = "config must be a JSON object";
            return false;
        }
        switch (kind)
        {
            case GuardrailKind.Pii:
                if (!Only(config, out problem, "entities"))
                    return false;
                PiiEntity entities = PiiEntity.None;
                if (!config.TryGetProperty("entities", out JsonElement list) || list.ValueKind == JsonValueKind.Null)
                {
                    entities = PiiEntity.All;
                }
                else if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
                {
                    problem = "config.entities must be a non-empty array of: " + string.Join(", ", Entities.Select(e => e.Name));
                    return false;
                }
                else
                {
                    foreach (JsonElement item in list.EnumerateArray())
                    {
                        int index = item.ValueKind == JsonValueKind.String ? Array.FindIndex(Entities, e => item.ValueEquals(e.Name)) : -1;
                        if (index < 0)
                        {
                            problem = $"config.entities has {item.GetRawText()}; each must be one of: " + string.Join(", ", Entities.Select(e => e.Name));
                            return false;
                        }
                        entities |= Entities[index].Entity;
                    }
                }
                matcher = new PiiMatcher(entities);
                return true;
            case GuardrailKind.Regex:
                if (!Only(config, out problem, "pattern"))
                    return false;
                if (!config.TryGetProperty("pattern", out JsonElement pattern) || pattern.ValueKind != JsonValueKind.String)
                {
                    problem = "config.pattern is required: a regular expression (string)";
                    return false;
                }
                matcher = RegexMatcher.TryCreate(pattern.GetString()!, out string? regexProblem);
                problem = regexProblem is null ? null : "config.pattern " + regexProblem;
                return matcher is not null;
            case GuardrailKind.Keywords:
                if (!Only(config, out problem, "keywords", "case_sensitive"))
                    return false;
                if (!config.TryGetProperty("keywords", out JsonElement keywords) || keywords.ValueKind != JsonValueKind.Array
                    || keywords.GetArrayLength() is 0 or > KeywordMatcher.MaxKeywords)
                {
                    problem = $"config.keywords is required: an array of 1 to {KeywordMatcher.MaxKeywords} non-empty strings";
                    return false;
                }
                var words = new List<string>();
                foreach (JsonElement item in keywords.EnumerateArray())
                {
                    string? word = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
                    if (string.IsNullOrWhiteSpace(word) || word.Length > KeywordMatcher.MaxKeywordLength)
                    {
                        problem = $"config.keywords has {item.GetRawText()}; each keyword must be a non-empty string of at most {KeywordMatcher.MaxKeywordLength} characters";
                        return false;
                    }
                    words.Add(word.Trim());
                }
                bool caseSensitive = false;
                if (config.TryGetProperty("case_sensitive", out JsonElement sensitive) && sensitive.ValueKind != JsonValueKind.Null)
                {
                    if (sensitive.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        problem = "config.case_sensitive must be a boolean";
                        return false;
                    }
                    caseSensitive = sensitive.GetBoolean();
                }
                matcher = new KeywordMatcher(words, caseSensitive);
                return true;
            default:
                if (!Only(config, out problem, "max"))
                    return false;
                if (!config.TryGetProperty("max", out JsonElement max) || !max.TryGetInt64(out maxTokens) || maxTokens < 1 || maxTokens > MaxTokensLimit)
                {
                    problem = $"config.max is required: an integer from 1 to {MaxTokensLimit}";
                    return false;
                }
                if (action == GuardrailAction.Redact)
                {
                    problem = "a max_prompt_tokens rule can block or flag, not redact";
                    return false;
                }
                if (stage != GuardrailStage.Input)
                {
                    problem = "a max_prompt_tokens rule applies to input only (applies_to: input)";
                    return false;
                }
                return true;
        }
    }

    private static bool Only(JsonElement config, out string? problem, params string[] names)
    {
        foreach (JsonProperty property in config.EnumerateObject())
        {
            if (!names.Contains(property.Name, StringComparer.Ordinal))
            {
                problem = $"config has an unknown field '{property.Name}'; this kind takes {string.Join(", ", names)}";
                return false;
            }
        }
        problem = null;
        return true;
    }
}
