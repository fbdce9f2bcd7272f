using System.IO.Pipelines;

namespace Nemo.FakeUpstream;

/// <summary>Reads a whole request body. The caller parses <see cref="ReadResult.Buffer"/> and
/// then calls <c>AdvanceTo(result.Buffer.End)</c> on the request's BodyReader.</summary>
internal static class RequestBody
{
    public static async ValueTask<ReadResult> ReadAllAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted);
            if (result.IsCompleted || result.IsCanceled)
            {
                return result;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
