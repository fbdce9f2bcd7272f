using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Providers;
using Nemo.Gateway.Routing;
using Polly.CircuitBreaker;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// Sending a request upstream and turning its failure modes into values: a timeout (504), a transport
/// failure, a provider 5xx, a redirect or a provider's refusal of Nemo's own credentials (502, each
/// with its code), or another provider 4xx, passed on with the provider's error fields when its body
/// is an OpenAI-shaped error. Messages never carry provider URLs, addresses or keys.
/// </summary>
internal sealed class UpstreamCall : IDisposable
{
    /// <summary>The most of an upstream error body that is read; a larger one is treated as unreadable.</summary>
    public const int MaxErrorBodyBytes = 64 * 1024;

    private const int MaxMessageLength = 2000;

    private UpstreamCall(RoutedResponse routed, OpenAIError? failure)
    {
        _routed = routed;
        Failure = failure;
    }

    private readonly RoutedResponse _routed;

    public HttpResponseMessage? Response => _routed.Response;

    /// <summary>The deployment that answered (or failed last): the one the request is settled at.</summary>
    public CatalogModel Served => _routed.Served;

    /// <summary>Upstream attempts it took, across deployments and fallbacks.</summary>
    public int Attempts => _routed.Attempts;

    private OpenAIError? Failure { get; }

    public static async Task<UpstreamCall> StartAsync(DeploymentRouter router, Admission admission, UpstreamDeadline deadline)
    {
        RoutedResponse routed = await router.SendAsync(admission, deadline);
        if (routed.Response is not null)
            return new UpstreamCall(routed, null);
        string provider = routed.Served.Provider;
        OpenAIError failure = routed.Failure switch
        {
            OperationCanceledException when deadline.TimedOut => Timeout(admission with { Model = routed.Served }, deadline),
            OperationCanceledException when deadline.ClientGone => new OpenAIError(499, "client_closed", "client_closed", "The client closed the request."),
            BrokenCircuitException => new OpenAIError(StatusCodes.Status502BadGateway, "upstream_error", "upstream_cooldown",
                $"The upstream provider '{provider}' failed repeatedly and is in cooldown; retry shortly. Nothing was charged."),
            // HttpRequestException, or a cancellation no deadline of ours caused: the handler's ConnectTimeout.
            _ => new OpenAIError(StatusCodes.Status502BadGateway, "upstream_error", "upstream_unreachable",
                $"The upstream provider '{provider}' could not be reached. Nothing was charged."),
        };
        return new UpstreamCall(routed, failure);
    }

    public static OpenAIError Timeout(Admission admission, UpstreamDeadline deadline) => deadline.TotalExpired
        ? new OpenAIError(StatusCodes.Status504GatewayTimeout, "upstream_error", "upstream_timeout",
            $"The upstream provider '{admission.Model.Provider}' did not finish within Nemo:Gateway:UpstreamTimeout.")
        : new OpenAIError(StatusCodes.Status504GatewayTimeout, "upstream_error", "upstream_timeout",
            $"The upstream provider '{admission.Model.Provider}' did not send {deadline.Phase} within {deadline.PhaseTimeout.TotalSeconds:0.###} s.");

    /// <summary>The provider's response broke off, stalled or was unusable after its headers.</summary>
    public static OpenAIError BodyFailed(Admission admission, UpstreamDeadline deadline, bool charged)
    {
        OpenAIError error = deadline.TimedOut
            ? Timeout(admission, deadline)
            : new OpenAIError(StatusCodes.Status502BadGateway, "upstream_error", "upstream_cut", "The upstream provider's response broke off before it was complete.");
        return error with { Message = error.Message + (charged ? " Only what was delivered is charged." : " Nothing was charged.") };
    }

    public static OpenAIError BadResponse(string what) =>
        new(StatusCodes.Status502BadGateway, "upstream_error", "upstream_bad_response", $"The upstream provider sent {what}. Nothing was charged.");

    /// <summary>
    /// For a failed call or a non-2xx response: gives the reservation back (no tokens were produced),
    /// writes the failure to the client and returns true. Otherwise <see cref="Response"/> is a success.
    /// </summary>
    public async Task<bool> ReleaseIfFailedAsync(SpendRecorder spend, Admission admission, HttpResponse response, UpstreamDeadline deadline)
    {
        if (Response is { IsSuccessStatusCode: true })
            return false;
        await spend.ReleaseAsync(admission);
        await WriteFailureAsync(admission, response, deadline);
        return true;
    }

    public void Dispose() => _routed.Dispose();

    private async Task WriteFailureAsync(Admission admission, HttpResponse response, UpstreamDeadline deadline)
    {
        if (Failure is { } failure)
        {
            if (failure.Status != 499)
                await failure.WriteAsync(response);
            return;
        }
        HttpResponseMessage upstream = Response!;
        int status = (int)upstream.StatusCode;
        string provider = Served.Provider;
        if (status is >= 300 and < 400)
        {
            await new OpenAIError(StatusCodes.Status502BadGateway, "upstream_error", "upstream_redirect",
                $"The upstream provider '{provider}' answered with a redirect ({status}), which Nemo does not follow. Nothing was charged.").WriteAsync(response);
            return;
        }
        if (status is 401 or 403 or 407)
        {
            // The provider refused Nemo's credentials, not the client's: never pass its body on (it may echo the key).
            await new OpenAIError(StatusCodes.Status502BadGateway, "upstream_error", "upstream_auth_failed",
                $"The upstream provider '{provider}' refused Nemo's credentials (status {status}). Nothing was charged.").WriteAsync(response);
            return;
        }
        byte[]? body = await ReadErrorBodyAsync(upstream, Served, deadline);
        if (status >= 500 || status < 400)
        {
            await new OpenAIError(StatusCodes.Status502BadGateway, "upstream_error", "upstream_error",
                $"The upstream provider failed with status {status}. Nothing was charged.").WriteAsync(response);
            return;
        }
        if (body is not null && TryReadOpenAIError(body, status) is { } passed)
        {
            if (upstream.Headers.RetryAfter?.Delta is TimeSpan retry)
                response.Headers.RetryAfter = ((long)Math.Ceiling(retry.TotalSeconds)).ToString();
            await passed.WriteAsync(response);
            return;
        }
        await new OpenAIError(status, "upstream_error", "upstream_error", $"The upstream provider refused the request with status {status}. Nothing was charged.").WriteAsync(response);
    }

    /// <summary>At most <see cref="MaxErrorBodyBytes"/>, within the provider's error-body time; null if larger, slower or broken.</summary>
    private static async Task<byte[]?> ReadErrorBodyAsync(HttpResponseMessage upstream, CatalogModel served, UpstreamDeadline deadline)
    {
        if (upstream.Content.Headers.ContentLength is > MaxErrorBodyBytes)
            return null;
        deadline.Arm(served.Timeouts.ErrorBody, "its error body");
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxErrorBodyBytes + 1);
        try
        {
            await using Stream stream = await upstream.Content.ReadAsStreamAsync(deadline.Token);
            int length = 0;
            int read;
            while (length <= MaxErrorBodyBytes && (read = await stream.ReadAsync(buffer.AsMemory(length, MaxErrorBodyBytes + 1 - length), deadline.Token)) > 0)
                length += read;
            return length > MaxErrorBodyBytes ? null : buffer.AsSpan(0, length).ToArray();
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The provider's error fields, re-written (not its raw body), with the provider's status.</summary>
    private static OpenAIError? TryReadOpenAIError(byte[] body, int status)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("error", out JsonElement error)
                || error.ValueKind != JsonValueKind.Object)
                return null;
            string message = Text(error, "message") ?? $"The upstream provider refused the request with status {status}.";
            if (message.Length > MaxMessageLength)
                message = message[..MaxMessageLength];
            return new OpenAIError(status, Text(error, "type") ?? "invalid_request_error", Text(error, "code"), message, Text(error, "param"));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement error, string name)
    {
        if (!error.TryGetProperty(name, out JsonElement value))
            return null;
        string? text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
        return text is not null && ClientText.IsValid(text) ? text : null;
    }
}
