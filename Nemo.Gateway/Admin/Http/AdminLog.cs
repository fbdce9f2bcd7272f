using Microsoft.Extensions.Logging;

namespace Nemo.Gateway.Admin.Http;

/// <summary>The admin API's log messages (event ids 7001–7099).</summary>
internal static partial class AdminLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "An admin request could not reach its silo; answered 503")]
    public static partial void ClusterUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "An admin request could not reach the database; answered 503")]
    public static partial void DatabaseUnavailable(ILogger logger, Exception exception);
}
