using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Gateway.RequestLog;

/// <summary>
/// Writes the kept request and response text of organizations with content logging on to
/// <c>nemo.request_contents</c>, after the response, in batches of up to 100; best effort
/// (<see cref="BatchedLogWriter{T}"/>), dropped entries counted in <c>nemo.content_log.dropped</c>. The
/// queue holds at most 2,000 entries, each at most twice Nemo:Gateway:ContentLogMaxBytes.
/// </summary>
internal sealed class ContentLogWriter(NemoDatabase database, IMeterFactory meters, ILogger<ContentLogWriter> logger)
    : BatchedLogWriter<RequestContent>(2_000, 100, "nemo.content_log", "Kept request and response texts", meters, logger)
{
    protected override async Task WriteAsync(List<RequestContent> batch, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(
            """
            INSERT INTO nemo.request_contents (request_id, organization_id, recorded_at, request, response, request_truncated, response_truncated)
            SELECT * FROM unnest(@id, @org, @at, @request, @response, @request_truncated, @response_truncated)
            ON CONFLICT (request_id) DO NOTHING
            """);
        command.Parameters.AddWithValue("id", batch.Select(c => c.RequestId).ToArray());
        command.Parameters.AddWithValue("org", batch.Select(c => c.OrganizationId).ToArray());
        command.Parameters.AddWithValue("at", batch.Select(c => c.RecordedAt).ToArray());
        command.Parameters.AddWithValue("request", batch.Select(c => c.Request).ToArray());
        command.Parameters.AddWithValue("response", batch.Select(c => c.Response).ToArray());
        command.Parameters.AddWithValue("request_truncated", batch.Select(c => c.RequestTruncated).ToArray());
        command.Parameters.AddWithValue("response_truncated", batch.Select(c => c.ResponseTruncated).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
