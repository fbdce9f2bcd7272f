using System.Text;
using System.Text.Json;

namespace Nemo.Gateway.Prompts;

/// <summary>
/// One immutable version of a prompt template, parsed once: its messages (a string template is one
/// system message) split into literal text and <c>{{name}}</c> placeholders (spaces inside the braces
/// allowed; names are letters, digits and underscores, starting with a letter or underscore). Rendering
/// needs exactly the template's variables: a missing or an extra one is the caller's error.
/// </summary>
internal sealed class PromptTemplate
{
    public const int MaxVariables = 64;
    public const int MaxMessages = 64;
    public const int MaxTemplateChars = 100_000;

    private readonly (string Role, object[] Parts)[] _messages;

    private PromptTemplate((string Role, object[] Parts)[] messages, string[] variables)
    {
        _messages = messages;
        Variables = variables;
    }

    /// <summary>The variable names, sorted (ordinal).</summary>
    public string[] Variables { get; }

    /// <summary>Parses a stored or submitted template (<c>string</c> or <c>[{role, content}]</c>); null with a problem if it isn't one.</summary>
    public static PromptTemplate? TryParse(JsonElement template, out string? problem)
    {
        problem = null;
        var messages = new List<(string, object[])>();
        var variables = new SortedSet<string>(StringComparer.Ordinal);
        long chars = 0;
        if (template.ValueKind == JsonValueKind.String)
        {
            string text = template.GetString()!;
            chars = text.Length;
            if (!TrySplit(text, variables, out object[]? parts, out problem))
                return null;
            messages.Add(("system", parts!));
        }
        else if (template.ValueKind == JsonValueKind.Array && template.GetArrayLength() is > 0 and <= MaxMessages)
        {
            int index = 0;
            foreach (JsonElement message in template.EnumerateArray())
            {
                if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out JsonElement role) || role.ValueKind != JsonValueKind.String
                    || role.GetString() is not ("system" or "developer" or "user" or "assistant")
                    || !message.TryGetProperty("content", out JsonElement content) || content.ValueKind != JsonValueKind.String
                    || message.EnumerateObject().Count() != 2)
                {
                    problem = $"template[{index}] must be {{\"role\": system|developer|user|assistant, \"content\": string}}";
                    return null;
                }
                string text = content.GetString()!;
                chars += text.Length;
                if (!TrySplit(text, variables, out object[]? parts, out problem))
                {
                    problem = $"template[{index}].content {problem}";
                    return null;
                }
                messages.Add((role.GetString()!, parts!));
                index++;
            }
        }
        else
        {
            problem = $"template must be a string or an array of 1 to {MaxMessages} {{role, content}} messages";
            return null;
        }
        if (chars > MaxTemplateChars)
        {
            problem = $"template is longer than {MaxTemplateChars} characters";
            return null;
        }
        if (variables.Count > MaxVariables)
        {
            problem = $"template has more than {MaxVariables} variables";
            return null;
        }
        return new PromptTemplate([.. messages], [.. variables]);
    }

    public static bool IsName(ReadOnlySpan<char> name)
    {
        if (name.Length is 0 or > 64 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
            return false;
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
                return false;
        }
        return true;
    }

    /// <summary>Literal strings and placeholder names (as <see cref="Placeholder"/>) in order.</summary>
    private static bool TrySplit(string text, SortedSet<string> variables, out object[]? parts, out string? problem)
    {
        var list = new List<object>();
        int position = 0;
        while (position < text.Length)
        {
            int open = text.IndexOf("{{", position, StringComparison.Ordinal);
            if (open < 0)
                break;
            int close = text.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                parts = null;
                problem = $"has an unclosed '{{{{' at character {open}";
                return false;
            }
            string name = text[(open + 2)..close].Trim();
            if (!IsName(name))
            {
                parts = null;
                problem = $"has a placeholder '{{{{{text[(open + 2)..close]}}}}}' whose name is not a variable name (letters, digits, _; at most 64)";
                return false;
            }
            if (open > position)
                list.Add(text[position..open]);
            list.Add(new Placeholder(name));
            variables.Add(name);
            position = close + 2;
        }
        if (position < text.Length)
            list.Add(text[position..]);
        parts = [.. list];
        problem = null;
        return true;
    }

    private sealed record Placeholder(string Name);

    /// <summary>
    /// Renders the messages with <paramref name="values"/>, which must name exactly <see cref="Variables"/>.
    /// On a mismatch, <paramref name="problem"/> names the missing or extra variable.
    /// </summary>
    public bool TryRender(IReadOnlyDictionary<string, string> values, out (string Role, string Content)[] rendered, out string? problem)
    {
        rendered = [];
        foreach (string name in Variables)
        {
            if (!values.ContainsKey(name))
            {
                problem = $"prompt.variables is missing '{name}' (this template's variables: {string.Join(", ", Variables)})";
                return false;
            }
        }
        if (values.Count != Variables.Length)
        {
            string extra = values.Keys.Where(k => Array.BinarySearch(Variables, k, StringComparer.Ordinal) < 0).Order(StringComparer.Ordinal).First();
            problem = $"prompt.variables has '{extra}', which this template does not use (its variables: {(Variables.Length == 0 ? "none" : string.Join(", ", Variables))})";
            return false;
        }
        rendered = new (string, string)[_messages.Length];
        var builder = new StringBuilder();
        for (int i = 0; i < _messages.Length; i++)
        {
            builder.Clear();
            foreach (object part in _messages[i].Parts)
                builder.Append(part is Placeholder p ? values[p.Name] : (string)part);
            rendered[i] = (_messages[i].Role, builder.ToString());
        }
        problem = null;
        return true;
    }
}
