using System.Buffers;
using System.IO.Pipelines;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// Splits an upstream text/event-stream into events and yields each event's <c>data</c> payload
/// (multi-line data joined with '\n'). Comments and other fields are dropped; lines may end in LF or CRLF.
/// </summary>
internal sealed class SseEventReader(Stream stream)
{
    private readonly PipeReader _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
    private readonly ArrayBufferWriter<byte> _data = new(1024);
    private bool _hasData;

    /// <summary>The next event's data, or null at the end of the stream. Throws if the connection breaks.</summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadEventAsync(CancellationToken cancellationToken)
    {
        _data.ResetWrittenCount();
        _hasData = false;
        while (true)
        {
            ReadResult result = await _reader.ReadAsync(cancellationToken);
            ReadOnlySequence<byte> buffer = result.Buffer;
            bool dispatched = false;
            while (TryReadLine(ref buffer, out ReadOnlySequence<byte> line))
            {
                if (line.IsEmpty)
                {
                    if (_hasData)
                    {
                        dispatched = true;
                        break;
                    }
                    continue;
                }
                AppendField(line);
            }
            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (dispatched)
                return _data.WrittenMemory.ToArray();
            if (result.IsCompleted)
                return _hasData ? _data.WrittenMemory.ToArray() : null;
        }
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        SequencePosition? newline = buffer.PositionOf((byte)'\n');
        if (newline is null)
        {
            line = default;
            return false;
        }
        line = buffer.Slice(0, newline.Value);
        if (!line.IsEmpty && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
            line = line.Slice(0, line.Length - 1);
        buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
        return true;
    }

    private void AppendField(ReadOnlySequence<byte> line)
    {
        ReadOnlySpan<byte> dataPrefix = "data:"u8;
        if (line.Length < dataPrefix.Length)
            return;
        Span<byte> head = stackalloc byte[5];
        line.Slice(0, 5).CopyTo(head);
        if (!head.SequenceEqual(dataPrefix))
            return; // comments (":"), event:, id:, retry: are not relayed
        ReadOnlySequence<byte> value = line.Slice(5);
        if (!value.IsEmpty && value.FirstSpan[0] == (byte)' ')
            value = value.Slice(1);
        if (_hasData)
            _data.Write("\n"u8);
        foreach (ReadOnlyMemory<byte> segment in value)
            _data.Write(segment.Span);
        _hasData = true;
    }

    public ValueTask CompleteAsync() => _reader.CompleteAsync();
}
