using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// Sending a request upstream and turning its failure modes into values: a timeout (504), a transport
/// failure or a provider 5xx (502), or a provider 4xx, which is passed through with the provider's
/// error body when that body is an OpenAI-shaped error.
/// </summary>
internal sealed class UpstreamCall : IDisposable
{
    private UpstreamCall(HttpResponseMessage? response, OpenAIError? failure)
    {
        Response = response;
        Failure = failure;
    }

    public HttpResponseMessage? Response { get; }

    private OpenAIError? Failure { get; }

    public static async Task<UpstreamCall> StartAsync(UpstreamHttp upstream, Admission admission, CancellationToken timeoutToken, CancellationToken clientAborted)
    {
        try
        {
            HttpResponseMessage response = await upstream.SendAsync(admission.Model, admission.Endpoint, admission.Request.UpstreamBody, timeoutToken);
            return new UpstreamCall(response, null);
        }
        catch (OperationCanceledException) when (!clientAborted.IsCancellationRequested)
        {
            return new UpstreamCall(null, new OpenAIError(StatusCodes.Status504GatewayTimeout, "upstream_error", "upstream_timeout",
                $"The upstream provider '{admission.Model.Provider}' did not answer within Nemo:Gateway:UpstreamTimeout."));
        }
        catch (OperationCanceledException)
        {
            return new UpstreamCall(null, new OpenAIError(499, "client_closed", "client_closed", "The client closed the request."));
        }
        catch (HttpRequestException ex)
        {
            return new UpstreamCall(null, new OpenAIError(StatusCodes.Status502BadGateway, "upstream_error", "upstream_unreachable",
                $"The upstream provider '{admission.Model.Provider}' could not be reached: {ex.Message}"));
        }
    }

    public static OpenAIError BodyFailed(bool timedOut) => timedOut
        ? new OpenAIError(StatusCodes.Status504GatewayTimeout, "upstream_error", "upstream_timeout", "The upstream provider did not finish its response within Nemo:Gateway:UpstreamTimeout.")
        : new OpenAIError(StatusCodes.Status502BadGateway, "upstream_error", "upstream_cut", "The upstream provider's response broke off before it was complete.");

    /// <summary>
    /// For a failed call or a non-2xx response: gives the reservation back (no tokens were produced),
    /// writes the failure to the client and returns true. Otherwise <see cref="Response"/> is a success.
    /// </summary>
    public async Task<bool> ReleaseIfFailedAsync(SpendRecorder spend, Admission admission, HttpResponse response, long maxBody)
    {
        if (Response is { IsSuccessStatusCode: true })
            return false;
        await spend.ReleaseAsync(admission);
        await WriteFailureAsync(response, maxBody);
        return true;
    }

    public void Dispose() => Response?.Dispose();

    private async Task WriteFailureAsync(HttpResponse response, long maxBody)
    {
        if (Failure is { } failure)
        {
            if (failure.Status != 499)
                await failure.WriteAsync(response);
            return;
        }
        HttpResponseMessage upstream = Response!;
        int status = (int)upstream.StatusCode;
        string body = await ReadErrorBodyAsync(upstream, maxBody);
        if (status >= 500)
        {
            await new OpenAIError(StatusCodes.Status502BadGateway, "upstream_error", "upstream_error",
                $"The upstream provider failed with status {status}. Nothing was charged.").WriteAsync(response);
            return;
        }
        if (IsOpenAIError(body))
        {
            response.StatusCode = status;
            response.ContentType = "application/json";
            if (upstream.Headers.RetryAfter?.Delta is TimeSpan retry)
                response.Headers.RetryAfter = ((long)Math.Ceiling(retry.TotalSeconds)).ToString();
            await response.WriteAsync(body);
            return;
        }
        await new OpenAIError(status, "upstream_error", "upstream_error", $"The upstream provider refused the request with status {status}.").WriteAsync(response);
    }

    private static async Task<string> ReadErrorBodyAsync(HttpResponseMessage upstream, long maxBody)
    {
        try
        {
            byte[] bytes = await upstream.Content.ReadAsByteArrayAsync();
            return bytes.Length > Math.Min(maxBody, 1 << 20) ? "" : System.Text.Encoding.UTF8.GetString(bytes);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return "";
        }
    }

    private static bool IsOpenAIError(string body)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out JsonElement error)
                && error.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
