using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Hosting;
using Nemo.Gateway.Keys;
using Nemo.Gateway.Proxy;

namespace Nemo.Gateway.Translation;

/// <summary>
/// Serves a request in another dialect through the chat-completion proxy: the key first (an unknown
/// caller gets 401 before its body is read), then the body, bounded as on every route, translated; the
/// proxy then authorizes, reserves, forwards, settles and logs exactly as for an OpenAI client, while the
/// response body is translated on its way out (<see cref="TranslatingResponseBody"/>).
/// </summary>
internal sealed class TranslatedRoute(ProxyHandler proxy, KeyAuthenticator keys, GatewayOptions options)
{
    public async Task HandleAsync(HttpContext context, Dialect dialect)
    {
        HttpRequest request = context.Request;
        (KeyEntry? key, OpenAIError authError) = await keys.AuthenticateAsync(context);
        if (key is null)
        {
            await WriteAsync(context.Response, authError.Status, dialect.Error(authError));
            return;
        }
        (byte[]? body, int length, OpenAIError bodyError) = await RequestBody.ReadAsync(request, options.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await WriteAsync(context.Response, bodyError.Status, dialect.Error(bodyError));
            return;
        }
        TranslatedRequest? translated;
        byte[] invalid;
        try
        {
            dialect.TryTranslateRequest(body.AsSpan(0, length), out translated, out invalid);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
        if (translated is null)
        {
            await WriteAsync(context.Response, StatusCodes.Status400BadRequest, invalid);
            return;
        }

        request.Body = new MemoryStream(translated.Body, writable: false);
        request.ContentLength = translated.Body.Length;
        request.ContentType = "application/json";
        IHttpResponseBodyFeature original = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var translating = new TranslatingResponseBody(context, original, dialect, translated);
        context.Features.Set<IHttpResponseBodyFeature>(translating);
        try
        {
            await proxy.HandleAsync(context, LlmEndpoint.ChatCompletions);
            await translating.FinishAsync();
        }
        finally
        {
            context.Features.Set(original);
        }
    }

    private static Task WriteAsync(HttpResponse response, int status, byte[] body)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body).AsTask();
    }
}
