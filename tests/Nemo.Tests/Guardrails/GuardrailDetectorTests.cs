using System.Text;
using System.Text.Json;
using Nemo.Gateway.Guardrails;
using Nemo.Gateway.Proxy;

namespace Nemo.Tests.Guardrails;

/// <summary>Every guardrail kind with true and false positives, the checksums, the masks, and the evaluator over request and answer bodies.</summary>
public sealed class GuardrailDetectorTests
{
    private static List<TextMatch> Pii(string text, PiiEntity entities)
    {
        var matches = new List<TextMatch>();
        PiiDetectors.Find(text, entities, matches);
        return matches;
    }

    private static string Matched(string text, TextMatch match) => text.Substring(match.Start, match.Length);

    [Theory]
    [InlineData("write to ann.lee@example.com today", "ann.lee@example.com")]
    [InlineData("see https://x.test/unsubscribe?to=ann.lee@example.co.uk&x=1", "ann.lee@example.co.uk")]
    [InlineData("<a href=\"mailto:bob+news@mail.example.org\">", "bob+news@mail.example.org")]
    public void Email_IsFound_AlsoInsideAUrl(string text, string expected)
    {
        TextMatch match = Assert.Single(Pii(text, PiiEntity.Email));
        Assert.Equal(expected, Matched(text, match));
    }

    [Theory]
    [InlineData("ping user@localhost")]
    [InlineData("follow @nemo on the site")]
    [InlineData("a@b is not an address")]
    [InlineData("the decorator @property")]
    public void Email_FalsePositives_AreNotFound(string text) => Assert.Empty(Pii(text, PiiEntity.Email));

    [Theory]
    [InlineData("call +1 415 555 0132 now", "+1 415 555 0132")]
    [InlineData("office (415) 555-0132.", "(415) 555-0132")]
    [InlineData("mobile +447911123456", "+447911123456")]
    [InlineData("tel 030 1234 5678", "030 1234 5678")]
    public void Phone_IsFound(string text, string expected)
    {
        TextMatch match = Assert.Single(Pii(text, PiiEntity.Phone));
        Assert.Equal(expected, Matched(text, match));
    }

    [Theory]
    [InlineData("released 2024-01-15")]
    [InlineData("order 123456789012")]
    [InlineData("server 192.168.100.200")]
    [InlineData("version 1.2.3")]
    [InlineData("room 12-34")]
    public void Phone_FalsePositives_AreNotFound(string text) => Assert.Empty(Pii(text, PiiEntity.Phone));

    [Theory]
    [InlineData("card 4111 1111 1111 1111 exp 12/30", "4111 1111 1111 1111")]
    [InlineData("card 5500-0000-0000-0004", "5500-0000-0000-0004")]
    [InlineData("card 378282246310005", "378282246310005")]
    public void Card_WithAValidLuhnDigit_IsFound(string text, string expected)
    {
        TextMatch match = Assert.Single(Pii(text, PiiEntity.Card));
        Assert.Equal(expected, Matched(text, match));
    }

    [Theory]
    [InlineData("card 4111 1111 1111 1112")] // Luhn fails
    [InlineData("tracking 1234567890123")] // Luhn fails
    [InlineData("pin 123456")] // too short
    public void Card_ThatFailsLuhn_Passes(string text) => Assert.Empty(Pii(text, PiiEntity.Card));

    [Theory]
    [InlineData("IBAN GB82 WEST 1234 5698 7654 32 please", "GB82 WEST 1234 5698 7654 32")]
    [InlineData("pay DE89370400440532013000.", "DE89370400440532013000")]
    [InlineData("FR1420041010050500013M02606", "FR1420041010050500013M02606")]
    public void Iban_WithAValidChecksum_IsFound(string text, string expected)
    {
        TextMatch match = Assert.Single(Pii(text, PiiEntity.Iban));
        Assert.Equal(expected, Matched(text, match));
    }

    [Theory]
    [InlineData("IBAN GB82 WEST 1234 5698 7654 33")] // checksum fails
    [InlineData("DE89370400440532013001")]
    [InlineData("product code AB12CDEF")]
    public void Iban_WithABadChecksum_Passes(string text) => Assert.Empty(Pii(text, PiiEntity.Iban));

    [Fact]
    public void Ssn_IsFound_AndNeverIssuedRangesAreNot()
    {
        Assert.Equal("123-45-6789", Matched("ssn 123-45-6789.", Assert.Single(Pii("ssn 123-45-6789.", PiiEntity.Ssn))));
        foreach (string text in new[] { "000-12-3456", "666-12-3456", "912-12-3456", "123-00-4567", "123-45-0000", "x123-45-6789-1", "123456789" })
            Assert.Empty(Pii(text, PiiEntity.Ssn));
    }

    [Theory]
    [InlineData("from 10.0.0.12 today", "10.0.0.12")]
    [InlineData("host 2001:db8::8a2e:370:7334 up", "2001:db8::8a2e:370:7334")]
    [InlineData("loopback ::1", "::1")]
    public void Ip_IsFound(string text, string expected)
    {
        TextMatch match = Assert.Single(Pii(text, PiiEntity.Ip));
        Assert.Equal(expected, Matched(text, match));
    }

    [Theory]
    [InlineData("version 1.2.3")]
    [InlineData("bad 999.1.1.1")]
    [InlineData("at 12:30:45 sharp")]
    [InlineData("library v1.2.3.4")]
    [InlineData("ratio a:b:c")]
    public void Ip_FalsePositives_AreNotFound(string text) => Assert.Empty(Pii(text, PiiEntity.Ip));

    [Theory]
    [InlineData("key sk-proj-abcdefghijklmnopqrstuvwxyz123456 leaked", "sk-proj-abcdefghijklmnopqrstuvwxyz123456")]
    [InlineData("aws AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE")]
    [InlineData("token ghp_0123456789abcdefghijklmnopqrstuvwxyz", "ghp_0123456789abcdefghijklmnopqrstuvwxyz")]
    [InlineData("x -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1c2\n-----END RSA PRIVATE KEY----- y", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1c2\n-----END RSA PRIVATE KEY-----")]
    [InlineData("-----BEGIN PRIVATE KEY----- (truncated)", "-----BEGIN PRIVATE KEY-----")]
    public void Secret_IsFound(string text, string expected)
    {
        TextMatch match = Assert.Single(Pii(text, PiiEntity.Secret));
        Assert.Equal(expected, Matched(text, match));
    }

    [Theory]
    [InlineData("the task-force met")]
    [InlineData("sk-short")]
    [InlineData("-----BEGIN PUBLIC KEY-----")]
    [InlineData("AKIA is a prefix")]
    public void Secret_FalsePositives_AreNotFound(string text) => Assert.Empty(Pii(text, PiiEntity.Secret));

    [Fact]
    public void Keywords_MatchWholeWords_CaseInsensitiveUnlessAsked()
    {
        var insensitive = new KeywordMatcher(["secret", "project x"], caseSensitive: false);
        var matches = new List<TextMatch>();
        Assert.True(insensitive.Find("The SECRET of Project X.", matches));
        Assert.Equal(2, matches.Count);
        matches.Clear();
        Assert.False(insensitive.Find("a secretary's secrets", matches));

        var sensitive = new KeywordMatcher(["Secret"], caseSensitive: true);
        Assert.False(sensitive.Find("a secret", matches));
        Assert.True(sensitive.Find("a Secret", matches));
    }

    [Fact]
    public void Regex_IsCompiledNonBacktracking_WithATimeout_AndRefusesWhatThatEngineCant()
    {
        RegexMatcher matcher = RegexMatcher.TryCreate(@"\bproject-\d+\b", out string? problem)!;
        Assert.Null(problem);
        Assert.True(matcher.Regex.Options.HasFlag(System.Text.RegularExpressions.RegexOptions.NonBacktracking));
        Assert.Equal(RegexMatcher.MatchTimeout, matcher.Regex.MatchTimeout);
        var matches = new List<TextMatch>();
        Assert.True(matcher.Find("about project-42 now", matches));
        Assert.False(matcher.Find("about project-x", matches));

        Assert.Null(RegexMatcher.TryCreate(@"(?<=a)b", out problem));
        Assert.Contains("non-backtracking", problem);
        Assert.Null(RegexMatcher.TryCreate(@"(a)\1", out problem));
        Assert.Null(RegexMatcher.TryCreate("([a-z", out problem));
        Assert.Contains("not a valid pattern", problem);
    }

    [Fact]
    public async Task CatastrophicBacktrackingPattern_FinishesInBoundedTime()
    {
        // (a+)+$ against "aaa…a!" takes 2^n steps in a backtracking engine; n = 50,000 would never finish.
        RegexMatcher matcher = RegexMatcher.TryCreate("(a+)+$", out _)!;
        string text = new string('a', 50_000) + "!";
        var matches = new List<TextMatch>();
        bool found = await Task.Run(() => matcher.Find(text, matches)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(found);
        Assert.True(await Task.Run(() => matcher.Find(new string('a', 50_000), matches)).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Mask_MergesOverlappingSpans()
    {
        var spans = new List<TextMatch> { new(6, 5, "[B]"), new(0, 3, "[A]"), new(8, 6, "[C]") };
        Assert.Equal("[A]lo [B]9ef", GuardrailEvaluator.Mask("abclo 123456789ef", spans)); // [6,11) and [8,14) are one mask
    }

    private static GuardrailRule Rule(GuardrailKind kind, GuardrailAction action, GuardrailStage stage, GuardrailMatcher? matcher, long max = 0, Guid? team = null) =>
        new(Guid.NewGuid(), kind, action, stage, team, null, matcher, max);

    private static readonly Guid Team = Guid.NewGuid(), Key = Guid.NewGuid();

    private static byte[] Chat(params string[] contents) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        model = "m",
        temperature = 0.5,
        messages = contents.Select((c, i) => (object)(i % 2 == 0
            ? new { role = "user", content = c }
            : new { role = "user", content = new object[] { new { type = "text", text = c }, new { type = "image_url", image_url = new { url = "https://x.test/a.png" } } } })),
    });

    [Fact]
    public void Evaluator_RedactsEveryTextSlot_AndKeepsEverythingElse()
    {
        GuardrailRule pii = Rule(GuardrailKind.Pii, GuardrailAction.Redact, GuardrailStage.Input, new PiiMatcher(PiiEntity.Email | PiiEntity.Card));
        GuardrailRule flag = Rule(GuardrailKind.Keywords, GuardrailAction.Flag, GuardrailStage.Input, new KeywordMatcher(["invoice"], false));
        byte[] body = Chat("mail ann@example.com about the invoice", "card 4111 1111 1111 1111 ok");

        GuardrailVerdict verdict = GuardrailEvaluator.EvaluateInput([pii, flag], LlmEndpoint.ChatCompletions, body, Team, Key);

        Assert.Null(verdict.Blocked);
        Assert.Equal([pii.Id, flag.Id], verdict.HitIds);
        using JsonDocument redacted = JsonDocument.Parse(verdict.Redacted!);
        JsonElement messages = redacted.RootElement.GetProperty("messages");
        Assert.Equal("mail [REDACTED:EMAIL] about the invoice", messages[0].GetProperty("content").GetString());
        Assert.Equal("card [REDACTED:CARD] ok", messages[1].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("https://x.test/a.png", messages[1].GetProperty("content")[1].GetProperty("image_url").GetProperty("url").GetString());
        Assert.Equal(0.5, redacted.RootElement.GetProperty("temperature").GetDouble());
    }

    [Fact]
    public void Evaluator_BlockWins_OtherScopesAndStagesDoNotApply()
    {
        GuardrailRule otherTeam = Rule(GuardrailKind.Keywords, GuardrailAction.Block, GuardrailStage.Input, new KeywordMatcher(["hello"], false), team: Guid.NewGuid());
        GuardrailRule outputOnly = Rule(GuardrailKind.Keywords, GuardrailAction.Block, GuardrailStage.Output, new KeywordMatcher(["hello"], false));
        byte[] body = Chat("hello there");
        Assert.Same(GuardrailVerdict.None, GuardrailEvaluator.EvaluateInput([otherTeam, outputOnly], LlmEndpoint.ChatCompletions, body, Team, Key));

        GuardrailRule mine = Rule(GuardrailKind.Keywords, GuardrailAction.Block, GuardrailStage.Both, new KeywordMatcher(["hello"], false), team: Team);
        GuardrailVerdict verdict = GuardrailEvaluator.EvaluateInput([otherTeam, outputOnly, mine], LlmEndpoint.ChatCompletions, body, Team, Key);
        Assert.Same(mine, verdict.Blocked);
        Assert.Null(verdict.Redacted);
    }

    [Fact]
    public void MaxPromptTokens_CountsTheTextOfEveryInput()
    {
        GuardrailRule max = Rule(GuardrailKind.MaxPromptTokens, GuardrailAction.Block, GuardrailStage.Input, null, max: 50);
        byte[] small = Encoding.UTF8.GetBytes("{\"model\":\"e\",\"input\":[\"short text\",\"another\"]}");
        Assert.Empty(GuardrailEvaluator.EvaluateInput([max], LlmEndpoint.Embeddings, small, Team, Key).Hits);
        string words = string.Join(' ', Enumerable.Repeat("tokens", 60));
        byte[] large = Encoding.UTF8.GetBytes($"{{\"model\":\"e\",\"prompt\":[\"{words}\"]}}");
        Assert.Same(max, GuardrailEvaluator.EvaluateInput([max], LlmEndpoint.Completions, large, Team, Key).Blocked);
    }

    [Fact]
    public void Output_IsReadFromChoices()
    {
        GuardrailRule redact = Rule(GuardrailKind.Pii, GuardrailAction.Redact, GuardrailStage.Output, new PiiMatcher(PiiEntity.Ssn));
        byte[] answer = Encoding.UTF8.GetBytes("{\"id\":\"c\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"SSN 123-45-6789\"}}],\"usage\":{\"prompt_tokens\":1}}");
        GuardrailVerdict verdict = GuardrailEvaluator.EvaluateOutput([redact], LlmEndpoint.ChatCompletions, answer, Team, Key);
        using JsonDocument redacted = JsonDocument.Parse(verdict.Redacted!);
        Assert.Equal("SSN [REDACTED:SSN]", redacted.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(1, redacted.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        // The same rule does not read input.
        Assert.Empty(GuardrailEvaluator.EvaluateInput([redact], LlmEndpoint.ChatCompletions, Chat("123-45-6789"), Team, Key).Hits);
    }

    [Theory]
    [InlineData("pii", "block", "input", "{\"entities\":[\"email\",\"nope\"]}", "nope")]
    [InlineData("pii", "block", "input", "{\"entities\":[]}", "non-empty")]
    [InlineData("regex", "block", "input", "{\"pattern\":\"(?<=x)y\"}", "non-backtracking")]
    [InlineData("regex", "block", "input", "{}", "pattern")]
    [InlineData("keywords", "flag", "both", "{\"keywords\":[\"\"]}", "keyword")]
    [InlineData("keywords", "flag", "both", "{\"keywords\":[\"a\"],\"extra\":1}", "unknown field")]
    [InlineData("max_prompt_tokens", "redact", "input", "{\"max\":10}", "not redact")]
    [InlineData("max_prompt_tokens", "block", "output", "{\"max\":10}", "input only")]
    [InlineData("max_prompt_tokens", "block", "input", "{\"max\":0}", "config.max")]
    public void BadConfigs_AreRefusedWithTheReason(string kind, string action, string stage, string config, string reason)
    {
        GuardrailConfig.TryParseKind(kind, out GuardrailKind k);
        GuardrailConfig.TryParseAction(action, out GuardrailAction a);
        GuardrailConfig.TryParseStage(stage, out GuardrailStage s);
        using JsonDocument document = JsonDocument.Parse(config);
        Assert.False(GuardrailConfig.TryCompile(k, a, s, document.RootElement, out _, out _, out string? problem));
        Assert.Contains(reason, problem);
    }
}
