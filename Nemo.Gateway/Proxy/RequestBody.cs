using System.Buffers;
using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Proxy;

/// <summary>Reads a request body into a pooled buffer, refusing (413) beyond the configured limit.</summary>
internal static class RequestBody
{
    /// <summary>On success the caller returns the buffer to <see cref="ArrayPool{T}.Shared"/>.</summary>
    public static async Task<(byte[]? Buffer, int Length, OpenAIError Error)> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength is long declared && declared > limit)
            return (null, 0, OpenAIError.TooLarge(limit));
        int capacity = (int)Math.Min(request.ContentLength ?? 4096, limit) + 1;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 256));
        int length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                        break;
                    byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                int read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                    break;
                length += read;
                if (length > limit)
                    break;
            }
        }
        catch (Exception ex) when (ex is IOException or BadHttpRequestException or OperationCanceledException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, 0, OpenAIError.BadRequest("The request body could not be read completely.", code: "invalid_body"));
        }
        if (length > limit)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, 0, OpenAIError.TooLarge(limit));
        }
        if (length == 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, 0, OpenAIError.BadRequest("The request body is empty; send a JSON object.", code: "invalid_json"));
        }
        return (buffer, length, default);
    }
}
