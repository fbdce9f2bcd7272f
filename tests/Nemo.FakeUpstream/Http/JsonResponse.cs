using System.Buffers;

namespace Nemo.FakeUpstream;

/// <summary>Sends a JSON body that was written to a buffer, with its Content-Length.</summary>
internal static class JsonResponse
{
    public const string ContentType = "application/json";

    public static Task WriteAsync(HttpContext context, int status, ArrayBufferWriter<byte> body)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = ContentType;
        response.ContentLength = body.WrittenCount;
        return response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted).AsTask();
    }
}
