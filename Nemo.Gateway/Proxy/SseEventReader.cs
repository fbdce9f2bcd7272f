using System.Buffers;
using System.IO.Pipelines;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// Splits an upstream text/event-stream into events and yields each event's <c>data</c> payload
/// (multi-line data joined with '\n'). Comments and other fields are dropped; lines may end in LF or CRLF.
/// Every complete event already received is returned before the stream is read again, so events that
/// arrived are never held back waiting for more bytes, nor lost when the connection breaks afterwards.
/// At the end of the stream, data lines not yet closed by a blank line form a last event; an
/// unterminated last line is dropped (it may be cut in the middle). An event or line larger than
/// <c>maxEventBytes</c> throws <see cref="InvalidDataException"/>.
/// Hand-written over <see cref="PipeReader"/> because ASP.NET Core has no SSE client parser and
/// System.Net.ServerSentEvents' parser would hide the raw bytes the relay forwards and counts.
/// </summary>
internal sealed class SseEventReader(Stream stream, int maxEventBytes, Action? beforeRead = null)
{
    private readonly PipeReader _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
    private readonly ArrayBufferWriter<byte> _data = new(1024);
    private ReadOnlySequence<byte> _buffer;
    private bool _holding;
    private bool _completed;
    private bool _finished;
    private bool _hasData;

    /// <summary>The next event's data, or null at the end of the stream. Throws if the connection breaks.</summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadEventAsync(CancellationToken cancellationToken)
    {
        if (_finished)
            return null;
        _data.ResetWrittenCount();
        _hasData = false;
        while (true)
        {
            if (_holding)
            {
                while (TryReadLine(ref _buffer, out ReadOnlySequence<byte> line))
                {
                    if (line.IsEmpty)
                    {
                        if (_hasData)
                            return _data.WrittenMemory.ToArray();
                        continue;
                    }
                    AppendField(line);
                }
                if (_buffer.Length > maxEventBytes)
                    throw new InvalidDataException($"An upstream event line exceeds {maxEventBytes} bytes.");
                _reader.AdvanceTo(_buffer.Start, _buffer.End);
                _holding = false;
                if (_completed)
                {
                    _finished = true;
                    // Not "_hasData ? array : null": that converts a null array to an empty, non-null
                    // ReadOnlyMemory, and the caller would relay empty events forever.
                    if (!_hasData)
                        return null;
                    return _data.WrittenMemory.ToArray();
                }
            }
            beforeRead?.Invoke();
            ReadResult result = await _reader.ReadAsync(cancellationToken);
            _buffer = result.Buffer;
            _completed = result.IsCompleted || result.IsCanceled;
            _holding = true;
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
        if (_data.WrittenCount + value.Length + 1 > maxEventBytes)
            throw new InvalidDataException($"An upstream event exceeds {maxEventBytes} bytes.");
        if (_hasData)
            _data.Write("\n"u8);
        foreach (ReadOnlyMemory<byte> segment in value)
            _data.Write(segment.Span);
        _hasData = true;
    }

    public ValueTask CompleteAsync()
    {
        if (_holding)
        {
            _reader.AdvanceTo(_buffer.End);
            _holding = false;
        }
        return _reader.CompleteAsync();
    }
}
