using System.Text;
using Nemo.Gateway.Proxy;

namespace Nemo.Tests.Gateway;

/// <summary>The usage reader over good and hostile usage figures: only non-negative integers, each given once, are reported.</summary>
public sealed class UsageReaderTests
{
    [Theory]
    [InlineData("""{"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}""", "Reported", 5, 7)]
    [InlineData("""{"id":"x","choices":[],"usage":{"completion_tokens":7,"prompt_tokens":5}}""", "Reported", 5, 7)]
    [InlineData("""{"usage":{"prompt_tokens":0,"completion_tokens":0}}""", "Reported", 0, 0)]
    [InlineData("""{"usage":{"prompt_tokens":1000000000000,"completion_tokens":1000000000000}}""", "Reported", 1_000_000_000_000, 1_000_000_000_000)]
    [InlineData("""{"usage":{"prompt_tokens":5,"completion_tokens":7,"prompt_tokens_details":{"cached_tokens":3}}}""", "Reported", 5, 7)]
    [InlineData("""{"usage":null}""", "Absent", 0, 0)]
    [InlineData("""{"id":"x"}""", "Absent", 0, 0)]
    [InlineData("""{"choices":[{"usage":{"prompt_tokens":5,"completion_tokens":7}}]}""", "Absent", 0, 0)]
    [InlineData("""not json""", "Absent", 0, 0)]
    [InlineData("""[1,2]""", "Absent", 0, 0)]
    [InlineData("""{"usage":{"prompt_tokens":3.5,"completion_tokens":7}}""", "Unreadable", 0, 0)]
    [InlineData("""{"usage":{"prompt_tokens":5,"completion_tokens":3.5}}""", "Unreadable", 0, 0)]
    [InlineData("""{"usage":{"prompt_tokens":-1,"completion_tokens":7}}""", "Unreadable", 0, 0)]
    [InlineData("""{"usage":{"prompt_tokens":5,"completion_tokens":-7}}""", "Unreadable", 0, 0)]
    [InlineData("""{"usage":{"prompt_tokens":1e12,"completion_tokens":1e12}}""", "Unreadable", 0, 0)]
    [InlineData("""{"usage":{"prompt_tokens":99999999999999999999,"completion_tokens":1}}""", "Unreadable", 0, 0)]
    [InlineData("""{"usage":{"prompt_tokens":"5","completion_tokens":"7"}}""", "Unreadable", 0, 0)]
    [InlineData("""{"usage":{"prompt_tokens":5,"prompt_tokens":5,"completion_tokens":7}}""", "Unreadable", 0, 0)]
    [InlineData("""{"usage":{"prompt_tokens":5,"completion_tokens":7,"completion_tokens":1}}""", "Unreadable", 0, 0)]
    [InlineData("""{"usage":{"prompt_tokens":5,"completion_tokens":7},"usage":{"prompt_tokens":1,"completion_tokens":1}}""", "Unreadable", 0, 0)]
    [InlineData("""{"usage":{"completion_tokens":7}}""", "Unreadable", 0, 0)]
    [InlineData("""{"usage":{"prompt_tokens":5}}""", "Unreadable", 0, 0)]
    [InlineData("""{"usage":{"prompt_tokens":null,"completion_tokens":7}}""", "Unreadable", 0, 0)]
    [InlineData("""{"usage":42}""", "Unreadable", 0, 0)]
    [InlineData("""{"usage":{}}""", "Unreadable", 0, 0)]
    public void Read(string json, string statusName, long prompt, long completion)
    {
        UsageStatus status = Enum.Parse<UsageStatus>(statusName);
        UsageReport report = UsageReader.Read(Encoding.UTF8.GetBytes(json));
        Assert.Equal(status, report.Status);
        if (status == UsageStatus.Reported)
        {
            Assert.Equal(prompt, report.PromptTokens);
            Assert.Equal(completion, report.CompletionTokens);
        }
    }

    [Fact]
    public void Embeddings_MayOmitCompletionTokens()
    {
        byte[] json = """{"usage":{"prompt_tokens":8,"total_tokens":8}}"""u8.ToArray();
        Assert.Equal(new UsageReport(UsageStatus.Reported, 8, 0), UsageReader.Read(json, completionRequired: false));
        Assert.Equal(UsageStatus.Unreadable, UsageReader.Read(json).Status);
    }

    [Theory]
    [InlineData("""{"usage":{"prompt_tokens":10,"completion_tokens":7,"prompt_tokens_details":{"cached_tokens":3,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":5,"audio_tokens":0,"accepted_prediction_tokens":0}}}""", 3, 0, 5)]
    [InlineData("""{"id":"x","choices":[],"usage":{"prompt_tokens_details":{"cache_write_tokens":4,"cached_tokens":6},"prompt_tokens":10,"completion_tokens":7}}""", 6, 4, 0)]
    [InlineData("""{"usage":{"prompt_tokens":10,"completion_tokens":7,"prompt_tokens_details":{"cached_tokens":10},"completion_tokens_details":{"reasoning_tokens":7}}}""", 10, 0, 7)]
    [InlineData("""{"usage":{"prompt_tokens":10,"completion_tokens":7,"prompt_tokens_details":null,"completion_tokens_details":null}}""", 0, 0, 0)]
    [InlineData("""{"usage":{"prompt_tokens":10,"completion_tokens":7,"prompt_tokens_details":{"cached_tokens":null,"audio_tokens":null}}}""", 0, 0, 0)]
    [InlineData("""{"usage":{"prompt_tokens":10,"completion_tokens":7,"prompt_tokens_details":{"reasoning_tokens":5},"completion_tokens_details":{"cached_tokens":3}}}""", 0, 0, 0)]
    [InlineData("""{"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":0,"prompt_tokens_details":{"cached_tokens":9223372036854775807}}}""", long.MaxValue, 0, 0)]
    public void Read_Details(string json, long cached, long cacheWrite, long reasoning)
    {
        UsageReport report = UsageReader.Read(Encoding.UTF8.GetBytes(json));

        Assert.Equal(UsageStatus.Reported, report.Status);
        Assert.False(report.DetailsUnreadable);
        Assert.Equal((cached, cacheWrite, reasoning), (report.CachedTokens, report.CacheWriteTokens, report.ReasoningTokens));
        Assert.True(report.Tokens.IsConsistent);
    }

    /// <summary>Details that can't be trusted are all dropped (flagged); the totals they came with still count.</summary>
    [Theory]
    [InlineData("""{"cached_tokens":3.5}""", "")]
    [InlineData("""{"cached_tokens":-1}""", "")]
    [InlineData("""{"cached_tokens":"3"}""", "")]
    [InlineData("""{"cached_tokens":1e1}""", "")]
    [InlineData("""{"cached_tokens":{"n":3}}""", "")]
    [InlineData("""{"cached_tokens":99999999999999999999}""", "")]
    [InlineData("""{"cached_tokens":3,"cached_tokens":3}""", "")]
    [InlineData("""{"cache_write_tokens":2,"cache_write_tokens":2}""", "")]
    [InlineData("""{"cached_tokens":11}""", "")]
    [InlineData("""{"cached_tokens":6,"cache_write_tokens":5}""", "")]
    [InlineData("""{"cached_tokens":9223372036854775807,"cache_write_tokens":9223372036854775807}""", "")]
    [InlineData("""[3]""", "")]
    [InlineData("""3""", "")]
    [InlineData("""{"cached_tokens":3}""", """{"reasoning_tokens":8}""")]
    [InlineData("""{"cached_tokens":3}""", """{"reasoning_tokens":-5}""")]
    [InlineData("""{"cached_tokens":3}""", """{"reasoning_tokens":5,"reasoning_tokens":5}""")]
    [InlineData("""{"cached_tokens":3}""", "\"five\"")]
    public void Read_HostileDetails_AreNotReported(string promptDetails, string completionDetails)
    {
        string completion = completionDetails.Length == 0 ? "" : $""","completion_tokens_details":{completionDetails}""";
        string json = """{"usage":{"prompt_tokens":10,"completion_tokens":7,"prompt_tokens_details":""" + promptDetails + completion + "}}";

        UsageReport report = UsageReader.Read(Encoding.UTF8.GetBytes(json));

        Assert.Equal(new UsageReport(UsageStatus.Reported, 10, 7, DetailsUnreadable: true), report);
    }

    [Fact]
    public void Read_DetailsGivenTwice_AreNotReported()
    {
        byte[] json = """{"usage":{"prompt_tokens":10,"completion_tokens":7,"prompt_tokens_details":{"cached_tokens":3},"prompt_tokens_details":{"cached_tokens":1}}}"""u8.ToArray();
        Assert.Equal(new UsageReport(UsageStatus.Reported, 10, 7, DetailsUnreadable: true), UsageReader.Read(json));
    }

    [Fact]
    public void Read_DetailsDoNotRescueUnreadableTotals()
    {
        byte[] json = """{"usage":{"prompt_tokens":1.5,"completion_tokens":7,"prompt_tokens_details":{"cached_tokens":1}}}"""u8.ToArray();
        Assert.Equal(UsageReport.Unreadable, UsageReader.Read(json));
    }

    [Theory]
    [InlineData("""{"choices":[],"usage":{}}""", true)]
    [InlineData("""{"choices":[{"delta":{}}]}""", false)]
    [InlineData("""{"usage":{}}""", false)]
    [InlineData("""{"choices":null}""", false)]
    [InlineData("""garbage""", false)]
    public void HasEmptyChoices(string json, bool expected) => Assert.Equal(expected, UsageReader.HasEmptyChoices(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("""{"a":1}""", true)]
    [InlineData("""{"a":1}  """, true)]
    [InlineData("""{"a":""", false)]
    [InlineData("""{"a":1}{""", false)]
    [InlineData("", false)]
    public void IsValidJson(string json, bool expected) => Assert.Equal(expected, UsageReader.IsValidJson(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("""{"choices":[{"delta":{"role":"assistant","content":""}}]}""", 0)]
    [InlineData("""{"choices":[{"delta":{"content":"hello"}}]}""", 1)]
    [InlineData("""{"choices":[{"index":0,"delta":{"content":" world"},"finish_reason":null,"logprobs":{"content":[]}}]}""", 1)]
    [InlineData("""{"choices":[],"usage":{"prompt_tokens":5}}""", 0)]
    [InlineData("""{"id":"chatcmpl-123456789","choices":[{"delta":{"tool_calls":[{"id":"call_abcdefghijkl","type":"function","function":{"name":"f","arguments":"{}"}}]}}]}""", 2)]
    [InlineData("""{"choices":[{"text":"hello world"}]}""", 2)]
    [InlineData("""{"choices":[{"delta":{"content":"broken""", 0)]
    public void CountOutput_CountsTheTextOfChoicesOnly(string json, long expected) =>
        Assert.Equal(expected, TokenCounter.CountOutput(Encoding.UTF8.GetBytes(json)));
}
