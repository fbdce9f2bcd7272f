using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Admin.RequestLog;

/// <summary>
/// The filters of <c>GET /v1/logs</c>: <c>key_id</c>, <c>team_id</c>, <c>customer_id</c>, <c>model</c>
/// and <c>status</c> — a code (<c>402</c>), a class (<c>4xx</c>) or <c>error</c> (anything but 2xx).
/// The time range (<c>from</c>, <c>to</c>) is the usage routes' (<see cref="Usage.UsageWindow"/>).
/// </summary>
internal sealed record RequestLogFilter(Guid? KeyId, Guid? TeamId, string? CustomerId, string? Model, int? StatusMin, int? StatusMax, bool ErrorsOnly)
{
    public static bool TryParse(HttpRequest request, out RequestLogFilter filter, out OpenAIError error)
    {
        filter = new RequestLogFilter(null, null, null, null, null, null, false);
        if (!TryGuid(request, "key_id", out Guid? keyId, out error) || !TryGuid(request, "team_id", out Guid? teamId, out error))
            return false;
        string? customer = Text(request, "customer_id");
        string? model = Text(request, "model");
        int? min = null, max = null;
        bool errors = false;
        string? status = Text(request, "status");
        if (status is not null)
        {
            if (status == "error")
                errors = true;
            else if (status.Length == 3 && status[0] is >= '1' and <= '5' && status.EndsWith("xx", StringComparison.Ordinal))
                (min, max) = ((status[0] - '0') * 100, (status[0] - '0') * 100 + 99);
            else if (int.TryParse(status, out int code) && code is >= 100 and <= 599)
                (min, max) = (code, code);
            else
            {
                error = OpenAIError.BadRequest($"status must be a status code (402), a class (4xx) or 'error' (got '{status}').", "status", "invalid_value");
                return false;
            }
        }
        filter = new RequestLogFilter(keyId, teamId, customer, model, min, max, errors);
        return true;
    }

    private static string? Text(HttpRequest request, string name) => request.Query[name].ToString() is { Length: > 0 } text ? text : null;

    private static bool TryGuid(HttpRequest request, string name, out Guid? value, out OpenAIError error)
    {
        value = null;
        error = default;
        if (Text(request, name) is not { } text)
            return true;
        if (Guid.TryParse(text, out Guid parsed))
        {
            value = parsed;
            return true;
        }
        error = OpenAIError.BadRequest($"{name} must be a UUID (got '{text}').", name, "invalid_value");
        return false;
    }
}
