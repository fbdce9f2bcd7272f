namespace Nemo.Gateway.Admin.Usage;

/// <summary>The <c>from</c>/<c>to</c> query parameters as given: an instant, a date, or absent.</summary>
internal readonly record struct RawWindow(DateTimeOffset? FromInstant, DateOnly? FromDate, DateTimeOffset? ToInstant, DateOnly? ToDate);
