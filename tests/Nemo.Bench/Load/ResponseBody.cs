namespace Nemo.Bench.Load;

/// <summary>
/// Reads a response body to its end into a caller-supplied buffer (no per-request allocation) and validates it:
/// a non-stream body must contain "usage"; a stream must end with <c>data: [DONE]</c>.
/// </summary>
internal static class ResponseBody
{
    public const int BufferSize = 16 * 1024;

    // Bytes kept from the previous read: enough for a marker split across two reads, and for the stream's tail.
    private const int Carry = 64;

    private static readonly byte[] UsageMarker = "\"usage\""u8.ToArray();
    private static readonly byte[] DoneMarker = "data: [DONE]"u8.ToArray();

    public static async ValueTask<bool> ReadAndCheckAsync(
        HttpContent content, bool stream, byte[] buffer, CancellationToken cancellationToken)
    {
        Stream body = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        int carried = 0;
        bool foundUsage = false;
        while (true)
        {
            int read = await body.ReadAsync(buffer.AsMemory(carried), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            int length = carried + read;
            if (!stream && !foundUsage)
            {
                foundUsage = buffer.AsSpan(0, length).IndexOf(UsageMarker) >= 0;
            }

            carried = Math.Min(length, Carry);
            if (length > carried)
            {
                buffer.AsSpan(length - carried, carried).CopyTo(buffer);
            }
        }

        return stream ? EndsWithDone(buffer.AsSpan(0, carried)) : foundUsage;
    }

    private static bool EndsWithDone(Span<byte> tail) => tail.TrimEnd(" \t\r\n"u8).EndsWith(DoneMarker);
}
