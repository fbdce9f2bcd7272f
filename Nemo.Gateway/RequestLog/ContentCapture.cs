using System.Buffers;
using System.Text;

namespace Nemo.Gateway.RequestLog;

/// <summary>
/// The text of one request and its response, kept for an organization with content logging on: the
/// client's request body and the response body as the client received it (a stream's events, one JSON
/// per line), each cut at <c>Nemo:Gateway:ContentLogMaxBytes</c>. Bytes that are not UTF-8, and NUL
/// (which PostgreSQL text can't hold), become U+FFFD: a hostile provider's bytes can't fail the write.
/// </summary>
internal sealed class ContentCapture(int maxBytes)
{
    private readonly ArrayBufferWriter<byte> _response = new();
    private string _request = "";
    private bool _requestTruncated;
    private bool _responseTruncated;

    public void SetRequest(ReadOnlySpan<byte> body)
    {
        _requestTruncated = body.Length > maxBytes;
        _request = Text(body[..Math.Min(body.Length, maxBytes)]);
    }

    /// <summary>Appends response bytes up to the limit; <paramref name="separator"/> goes first when something is already kept.</summary>
    public void AddResponse(ReadOnlySpan<byte> bytes, byte? separator = null)
    {
        if (separator is byte s && _response.WrittenCount > 0)
            Append([s]);
        Append(bytes);
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        int room = maxBytes - _response.WrittenCount;
        if (bytes.Length > room)
            _responseTruncated = true;
        if (room > 0)
            _response.Write(bytes[..Math.Min(bytes.Length, room)]);
    }

    public RequestContent Build(Guid requestId, Guid organizationId, DateTimeOffset at) =>
        new(requestId, organizationId, at, _request, Text(_response.WrittenSpan), _requestTruncated, _responseTruncated);

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes).Replace('\0', '\uFFFD');
}
