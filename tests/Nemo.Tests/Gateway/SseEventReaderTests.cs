using System.IO.Pipelines;
using System.Text;
using Nemo.Gateway.Proxy;

namespace Nemo.Tests.Gateway;

/// <summary>The SSE splitter over good and hostile input: what it yields, that it ends, that it never holds back or loses events.</summary>
public sealed class SseEventReaderTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    public static TheoryData<string, string[]> Streams => new()
    {
        { "data: x\n\n", ["x"] },
        { "data: x\r\n\r\n", ["x"] },
        { "data:x\n\n", ["x"] },
        { "data: a\ndata: b\n\n", ["a\nb"] },
        { "data: a\n\ndata: b\n\ndata: [DONE]\n\n", ["a", "b", "[DONE]"] },
        { ": keep-alive\n\ndata: x\n\n", ["x"] },
        { "event: ping\nid: 7\nretry: 5\n\n", [] },
        { "data:\n\n", [""] },
        { "data: last-without-blank-line\n", ["last-without-blank-line"] },
        { "data: a\n\ndata: {\"cut in the mid", ["a"] },
        { "", [] },
        { "\n\n\n", [] },
        { "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\"}", [] },
        { "{\n  \"id\": \"pretty\"\n}\n", [] },
        { "data: ü€😀\n\n", ["ü€😀"] },
    };

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task Yields_TheDataOfEachEvent_ThenEnds(string input, string[] expected)
    {
        var reader = new SseEventReader(new MemoryStream(Encoding.UTF8.GetBytes(input)), 1024);
        using var timeout = new CancellationTokenSource(Bound);
        var events = new List<string>();
        while (await reader.ReadEventAsync(timeout.Token) is { } data)
        {
            events.Add(Encoding.UTF8.GetString(data.Span));
            Assert.True(events.Count <= expected.Length, "the reader yielded more events than the stream holds (the old empty-event spin)");
        }
        Assert.Equal(expected, events);
        Assert.Null(await reader.ReadEventAsync(timeout.Token)); // stays ended
        await reader.CompleteAsync();
    }

    [Fact]
    public async Task CompleteEvents_AreYielded_WithoutWaitingForMoreBytes()
    {
        var pipe = new Pipe();
        var reader = new SseEventReader(pipe.Reader.AsStream(), 1024);
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes("data: one\n\ndata: two\n\ndata: thr"));
        using var timeout = new CancellationTokenSource(Bound);
        // Both complete events come out of the one read, though the connection stays open and idle.
        Assert.Equal("one", Encoding.UTF8.GetString((await reader.ReadEventAsync(timeout.Token))!.Value.Span));
        Assert.Equal("two", Encoding.UTF8.GetString((await reader.ReadEventAsync(timeout.Token))!.Value.Span));
        ValueTask<ReadOnlyMemory<byte>?> third = reader.ReadEventAsync(timeout.Token);
        Assert.False(third.IsCompleted);
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes("ee\n\n"));
        Assert.Equal("three", Encoding.UTF8.GetString((await third)!.Value.Span));
        await pipe.Writer.CompleteAsync();
        Assert.Null(await reader.ReadEventAsync(timeout.Token));
    }

    [Fact]
    public async Task EventsReceivedBeforeACut_AreDelivered_ThenTheCutThrows()
    {
        var reader = new SseEventReader(new CutStream("data: a\n\ndata: b\n\ndata: par"u8.ToArray()), 1024);
        using var timeout = new CancellationTokenSource(Bound);
        Assert.Equal("a", Encoding.UTF8.GetString((await reader.ReadEventAsync(timeout.Token))!.Value.Span));
        Assert.Equal("b", Encoding.UTF8.GetString((await reader.ReadEventAsync(timeout.Token))!.Value.Span));
        await Assert.ThrowsAsync<IOException>(async () => await reader.ReadEventAsync(timeout.Token));
    }

    [Theory]
    [InlineData("data: 0123456789012345678901234567890123456789\n\n")]
    [InlineData("data: 01234567890123456789\ndata: 01234567890123456789\n\n")]
    [InlineData("data: 0123456789012345678901234567890123456789012345678901234567890123456789")]
    public async Task OversizedEventOrLine_Throws(string input)
    {
        var reader = new SseEventReader(new PipeStreamOf(input), 32);
        await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            while (await reader.ReadEventAsync(CancellationToken.None) is not null)
            {
            }
        });
    }

    [Fact]
    public async Task BeforeRead_IsCalledBeforeEveryReadOfTheStream()
    {
        int reads = 0;
        var reader = new SseEventReader(new MemoryStream("data: a\n\ndata: b\n\n"u8.ToArray()), 1024, () => reads++);
        while (await reader.ReadEventAsync(CancellationToken.None) is not null)
        {
        }
        Assert.InRange(reads, 1, 3); // once for the bytes, once to see the end: not once per event
    }

    /// <summary>Delivers its bytes in one read, then fails as a reset connection does.</summary>
    private sealed class CutStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position < Length)
                return base.ReadAsync(buffer, cancellationToken);
            throw new IOException("connection reset");
        }
    }

    /// <summary>A stream that hands out a few bytes per read, so limits are hit across reads.</summary>
    private sealed class PipeStreamOf(string text) : MemoryStream(Encoding.UTF8.GetBytes(text))
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 7)], cancellationToken);
    }
}
