using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Nemo.Gateway.Experiments;
using Nemo.Gateway.Guardrails;
using Nemo.Gateway.Policies;
using Nemo.Gateway.Prompts;
using Nemo.Gateway.Proxy;

namespace Nemo.MicroBench;

/// <summary>
/// Guardrail evaluation with 10 rules on a 2 KB chat prompt (one e-mail address and one card number in it,
/// so the redaction path runs), and template rendering (the template alone, and the whole request rewrite:
/// parse the body, resolve the template, render, write the new body).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PolicyBenchmarks
{
    private static readonly Guid Team = Guid.NewGuid(), Key = Guid.NewGuid();
    private GuardrailRule[] _rules = [];
    private byte[] _chat = [];
    private PromptTemplate _template = null!;
    private Dictionary<string, string> _values = [];
    private OrganizationPolicies _policies = null!;
    private byte[] _templated = [];

    [GlobalSetup]
    public void Setup()
    {
        static GuardrailMatcher Regex(string pattern) => RegexMatcher.TryCreate(pattern, out _)!;
        _rules =
        [
            new(Guid.NewGuid(), GuardrailKind.Pii, GuardrailAction.Redact, GuardrailStage.Input, null, null, new PiiMatcher(PiiEntity.Email | PiiEntity.Card)),
            new(Guid.NewGuid(), GuardrailKind.Pii, GuardrailAction.Flag, GuardrailStage.Input, null, null, new PiiMatcher(PiiEntity.Phone | PiiEntity.Ip)),
            new(Guid.NewGuid(), GuardrailKind.Pii, GuardrailAction.Block, GuardrailStage.Input, null, null, new PiiMatcher(PiiEntity.Secret | PiiEntity.Ssn | PiiEntity.Iban)),
            new(Guid.NewGuid(), GuardrailKind.Regex, GuardrailAction.Block, GuardrailStage.Input, null, null, Regex(@"(?i)ignore (all )?previous instructions")),
            new(Guid.NewGuid(), GuardrailKind.Regex, GuardrailAction.Flag, GuardrailStage.Input, null, null, Regex(@"\bPRJ-\d{4,6}\b")),
            new(Guid.NewGuid(), GuardrailKind.Regex, GuardrailAction.Redact, GuardrailStage.Input, null, null, Regex(@"(a+)+$")),
            new(Guid.NewGuid(), GuardrailKind.Keywords, GuardrailAction.Block, GuardrailStage.Input, null, null, new KeywordMatcher(["project falcon", "operation nightjar"], false)),
            new(Guid.NewGuid(), GuardrailKind.Keywords, GuardrailAction.Flag, GuardrailStage.Input, null, null,
                new KeywordMatcher([.. Enumerable.Range(0, 100).Select(i => $"internal-term-{i}")], false)),
            new(Guid.NewGuid(), GuardrailKind.Keywords, GuardrailAction.Redact, GuardrailStage.Both, null, null, new KeywordMatcher(["confidential"], true)),
            new(Guid.NewGuid(), GuardrailKind.MaxPromptTokens, GuardrailAction.Block, GuardrailStage.Input, null, null, null, 100_000),
        ];
        var text = new StringBuilder("Please summarise the following notes and write to ann.lee@example.com, card 4111 1111 1111 1111. ");
        string[] words = ["the", "quarterly", "report", "shows", "growth", "in", "revenue", "and", "a", "decline", "of", "costs", "across", "regions", "with", "notes"];
        for (int i = 0; text.Length < 2000; i++)
            text.Append(words[i % words.Length]).Append(i % 13 == 0 ? ". " : " ");
        _chat = JsonSerializer.SerializeToUtf8Bytes(new
        {
            model = "gpt-4o-mini",
            messages = new object[] { new { role = "system", content = "You are a helpful assistant." }, new { role = "user", content = text.ToString() } },
        });

        using JsonDocument template = JsonDocument.Parse(
            "[{\"role\":\"system\",\"content\":\"You are {{persona}}, answering in {{language}} for {{audience}}. Be {{tone}}.\"},{\"role\":\"user\",\"content\":\"Summarise: {{text}}\"}]");
        _template = PromptTemplate.TryParse(template.RootElement, out _)!;
        _values = new() { ["persona"] = "a support agent", ["language"] = "French", ["audience"] = "customers", ["tone"] = "brief", ["text"] = "the order is late" };
        Guid id = Guid.NewGuid();
        _policies = new OrganizationPolicies([], new Dictionary<Guid, PromptEntry> { [id] = new(id, 1, new Dictionary<int, PromptTemplate> { [1] = _template }, new Dictionary<string, int>()) },
            Array.Empty<ExperimentEntry>());
        _templated = JsonSerializer.SerializeToUtf8Bytes(new
        {
            model = "gpt-4o-mini", max_tokens = 100,
            prompt = new { id, variables = _values },
            messages = new[] { new { role = "user", content = "and one more thing" } },
        });
    }

    [Benchmark(Description = "guardrails: 10 rules, 2 KB prompt")]
    public int Guardrails() => GuardrailEvaluator.EvaluateInput(_rules, LlmEndpoint.ChatCompletions, _chat, Team, Key).Hits.Count;

    [Benchmark(Description = "template: render")]
    public bool Render() => _template.TryRender(_values, out _, out _);

    [Benchmark(Description = "template: rewrite request body")]
    public ReadOnlyMemory<byte> Rewrite()
    {
        RequestRewriter.TryRewrite(_policies, LlmEndpoint.ChatCompletions, _templated, null, Guid.Empty, out ReadOnlyMemory<byte> body, out _, out _);
        return body;
    }
}
