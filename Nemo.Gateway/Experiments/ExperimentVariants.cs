using System.Text.Json;

namespace Nemo.Gateway.Experiments;

/// <summary>
/// An experiment's <c>variants</c>: <c>[{name, weight, model?, prompt_version?}]</c>, 2 to 16 of them with
/// distinct names, integer weights 0–1,000,000 of which at least one is positive. Checked when the admin
/// API writes them and read back by the same code.
/// </summary>
internal static class ExperimentVariants
{
    public const int MaxVariants = 16;
    public const int MaxWeight = 1_000_000;

    public static ExperimentVariant[] Parse(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return TryParse(document.RootElement, out ExperimentVariant[] variants, out _) ? variants : [];
    }

    public static bool TryParse(JsonElement element, out ExperimentVariant[] variants, out string? problem)
    {
        variants = [];
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() is < 2 or > MaxVariants)
        {
            problem = $"variants must be an array of 2 to {MaxVariants} objects {{name, weight, model?, prompt_version?}}";
            return false;
        }
        var list = new List<ExperimentVariant>();
        int index = 0;
        foreach (JsonElement item in element.EnumerateArray())
        {
            string at = $"variants[{index}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                problem = $"{at} must be an object";
                return false;
            }
            foreach (JsonProperty property in item.EnumerateObject())
            {
                if (property.Name is not ("name" or "weight" or "model" or "prompt_version"))
                {
                    problem = $"{at} has an unknown field '{property.Name}' (name, weight, model, prompt_version)";
                    return false;
                }
            }
            if (!item.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String
                || name.GetString() is not { Length: > 0 and <= 64 } nameText || !Prompts.PromptTemplate.IsName(nameText.Replace('-', '_')))
            {
                problem = $"{at}.name is required: 1 to 64 letters, digits, '_' or '-', starting with a letter";
                return false;
            }
            if (!item.TryGetProperty("weight", out JsonElement weight) || !weight.TryGetInt32(out int w) || w < 0 || w > MaxWeight)
            {
                problem = $"{at}.weight is required: an integer from 0 to {MaxWeight}";
                return false;
            }
            string? model = null;
            if (item.TryGetProperty("model", out JsonElement m) && m.ValueKind != JsonValueKind.Null)
            {
                if (m.ValueKind != JsonValueKind.String || m.GetString() is not { Length: > 0 and <= 256 })
                {
                    problem = $"{at}.model must be a model name";
                    return false;
                }
                model = m.GetString();
            }
            int? promptVersion = null;
            if (item.TryGetProperty("prompt_version", out JsonElement v) && v.ValueKind != JsonValueKind.Null)
            {
                if (!v.TryGetInt32(out int version) || version < 1)
                {
                    problem = $"{at}.prompt_version must be a version number (an integer from 1)";
                    return false;
                }
                promptVersion = version;
            }
            if (list.Any(x => x.Name == nameText))
            {
                problem = $"{at}.name '{nameText}' is used twice";
                return false;
            }
            list.Add(new ExperimentVariant(nameText, w, model, promptVersion));
            index++;
        }
        if (list.All(x => x.Weight == 0))
        {
            problem = "variants need at least one positive weight";
            return false;
        }
        variants = [.. list];
        problem = null;
        return true;
    }
}
