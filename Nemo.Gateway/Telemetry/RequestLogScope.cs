using System.Collections;

namespace Nemo.Gateway.Telemetry;

/// <summary>
/// The logging scope of one LLM request: Nemo's request id (the <c>x-nemo-request-id</c> header, the
/// usage event's and the request log's id) and the organization id, so every log line written while the
/// request runs carries both (JSON console logs include scopes). Reuses the header strings: one small
/// object per request.
/// </summary>
internal sealed class RequestLogScope(string requestId, string organizationId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 2;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("NemoRequestId", requestId),
        1 => new("OrganizationId", organizationId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"NemoRequestId:{requestId} OrganizationId:{organizationId}";
}
