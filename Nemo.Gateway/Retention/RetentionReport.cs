namespace Nemo.Gateway.Retention;

/// <summary>What one retention sweep removed (zero everywhere when another gateway held the sweep).</summary>
internal sealed record RetentionReport(bool Ran, long UsageEvents, long UnsettledReservations, long DeletedOrganizationRows, long RequestFailures = 0,
    long RequestContents = 0);
