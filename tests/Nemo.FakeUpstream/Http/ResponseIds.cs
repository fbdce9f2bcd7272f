using System.Globalization;

namespace Nemo.FakeUpstream;

/// <summary>Unique response ids such as "chatcmpl-fake00000000002a" and the created timestamp.</summary>
internal static class ResponseIds
{
    private static long _next;

    public static string Next(string prefix) =>
        prefix + "fake" + Interlocked.Increment(ref _next).ToString("x12", CultureInfo.InvariantCulture);

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
