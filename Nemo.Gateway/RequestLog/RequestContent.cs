namespace Nemo.Gateway.RequestLog;

/// <summary>The kept text of one request of an organization with content logging on.</summary>
internal sealed record RequestContent(
    Guid RequestId,
    Guid OrganizationId,
    DateTimeOffset RecordedAt,
    string Request,
    string Response,
    bool RequestTruncated,
    bool ResponseTruncated);
