using System.Text;
using Nemo.Gateway.RequestLog;

namespace Nemo.Tests.Gateway;

/// <summary>What content logging keeps of hostile or oversized bytes: cut at the limit, marked, always storable text.</summary>
public sealed class ContentCaptureTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, byte[], string> Requests => new()
    {
        { "plain", "{\"a\":1}"u8.ToArray(), "{\"a\":1}" },
        { "NUL", [(byte)'a', 0, (byte)'b'], "a\uFFFDb" },
        { "invalid UTF-8", [(byte)'a', 0xC3, 0x28, (byte)'b'], "a\uFFFD(b" },
        { "lone surrogate encoded", [0xED, 0xA0, 0x80], "\uFFFD\uFFFD\uFFFD" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void Request_BecomesStorableText(string name, byte[] bytes, string expected)
    {
        var capture = new ContentCapture(1024);
        capture.SetRequest(bytes);
        RequestContent content = capture.Build(Guid.Empty, Guid.Empty, At);
        Assert.True(expected == content.Request, name);
        Assert.False(content.RequestTruncated);
        Assert.DoesNotContain('\0', content.Request);
    }

    [Fact]
    public void Request_LongerThanTheLimit_IsCutAndMarked()
    {
        var capture = new ContentCapture(1024);
        capture.SetRequest(Encoding.UTF8.GetBytes(new string('x', 5000)));
        RequestContent content = capture.Build(Guid.Empty, Guid.Empty, At);
        Assert.Equal(new string('x', 1024), content.Request);
        Assert.True(content.RequestTruncated);
    }

    [Fact]
    public void Response_EventsJoinedByNewlines_CutAtTheLimitAcrossEvents()
    {
        var capture = new ContentCapture(1024);
        string one = new('a', 600), two = new('b', 600);
        capture.AddResponse(Encoding.UTF8.GetBytes(one), (byte)'\n');
        capture.AddResponse(Encoding.UTF8.GetBytes(two), (byte)'\n');
        capture.AddResponse("more"u8, (byte)'\n');
        RequestContent content = capture.Build(Guid.Empty, Guid.Empty, At);
        Assert.Equal(one + "\n" + new string('b', 1024 - 601), content.Response);
        Assert.True(content.ResponseTruncated);
        Assert.False(content.RequestTruncated);
    }

    [Fact]
    public void Response_WithinTheLimit_IsKeptWhole()
    {
        var capture = new ContentCapture(1024);
        capture.AddResponse("{\"x\":1}"u8, (byte)'\n');
        capture.AddResponse("{\"x\":2}"u8, (byte)'\n');
        RequestContent content = capture.Build(Guid.NewGuid(), Guid.NewGuid(), At);
        Assert.Equal("{\"x\":1}\n{\"x\":2}", content.Response);
        Assert.False(content.ResponseTruncated);
    }
}
