namespace Nemo.Gateway.Admin.RequestLog;

/// <summary>The kept text of one request (content logging on): the request body and the response as relayed.</summary>
internal sealed record RequestContentView(
    Guid RequestId, DateTimeOffset RecordedAt, string Request, string Response, bool RequestTruncated, bool ResponseTruncated);
