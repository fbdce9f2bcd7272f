using System.Text.Json;
using Nemo.Gateway.Prompts;

namespace Nemo.Tests.Prompts;

/// <summary>Template parsing and rendering: placeholders, variables that must match exactly, versions and labels.</summary>
public sealed class PromptTemplateTests
{
    private static PromptTemplate Parse(string json, out string? problem)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return PromptTemplate.TryParse(document.RootElement, out problem)!;
    }

    private static Dictionary<string, string> Values(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public void StringTemplate_IsOneSystemMessage_WithEveryPlaceholderFilled()
    {
        PromptTemplate template = Parse("\"You are {{ persona }}. Answer in {{language}}; {{persona}} again. {not} {{\"", out string? problem);
        Assert.Null(template);
        Assert.Contains("unclosed", problem);

        template = Parse("\"You are {{ persona }}. Answer in {{language}}; {{persona}} again. {not}\"", out problem);
        Assert.Null(problem);
        Assert.Equal(["language", "persona"], template.Variables);
        Assert.True(template.TryRender(Values(("persona", "a pirate"), ("language", "French {{x}}")), out var rendered, out _));
        Assert.Equal([("system", "You are a pirate. Answer in French {{x}}; a pirate again. {not}")], rendered);
    }

    [Fact]
    public void MessageTemplate_RendersEachMessage()
    {
        PromptTemplate template = Parse("[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Translate {{text}}\"}]", out _);
        Assert.True(template.TryRender(Values(("text", "\"hi\"\n")), out var rendered, out _));
        Assert.Equal([("system", "Be brief."), ("user", "Translate \"hi\"\n")], rendered);
    }

    [Fact]
    public void MissingOrExtraVariables_AreRefused()
    {
        PromptTemplate template = Parse("\"Hi {{name}}\"", out _);
        Assert.False(template.TryRender(Values(), out _, out string? problem));
        Assert.Contains("missing 'name'", problem);
        Assert.False(template.TryRender(Values(("name", "x"), ("age", "3")), out _, out problem));
        Assert.Contains("'age'", problem);
        Assert.True(Parse("\"no variables\"", out _).TryRender(Values(), out _, out _));
    }

    [Theory]
    [InlineData("\"{{ 1abc }}\"", "not a variable name")]
    [InlineData("\"{{}}\"", "not a variable name")]
    [InlineData("[]", "array of 1")]
    [InlineData("[{\"role\":\"robot\",\"content\":\"x\"}]", "template[0]")]
    [InlineData("[{\"role\":\"user\",\"content\":\"x\",\"name\":\"y\"}]", "template[0]")]
    [InlineData("42", "string or an array")]
    public void BadTemplates_AreRefused(string json, string reason)
    {
        Assert.Null(Parse(json, out string? problem));
        Assert.Contains(reason, problem);
    }

    [Fact]
    public void Entry_ResolvesNumbersLabelsAndTheLatest()
    {
        PromptTemplate one = Parse("\"v1\"", out _), two = Parse("\"v2\"", out _);
        var entry = new PromptEntry(Guid.NewGuid(), 2, new Dictionary<int, PromptTemplate> { [1] = one, [2] = two }, new Dictionary<string, int> { ["production"] = 1 });
        Assert.True(entry.TryResolve(null, out int version, out PromptTemplate? template));
        Assert.Equal((2, two), (version, template));
        Assert.True(entry.TryResolve("production", out version, out template));
        Assert.Equal((1, one), (version, template));
        Assert.True(entry.TryResolve("2", out version, out _));
        Assert.Equal(2, version);
        Assert.False(entry.TryResolve("3", out _, out _));
        Assert.False(entry.TryResolve("staging", out _, out _));
        Assert.False(entry.TryResolve("-1", out _, out _));
    }
}
