namespace Nemo.FakeUpstream;

/// <summary>
/// The pause before a deliberate abort. Kestrel's abort resets the connection, and a reset makes
/// the client's kernel drop whatever it had received but not yet read; without the pause the last
/// flushed chunks are lost at random (measured: most cut streams arrived empty).
/// </summary>
internal static class CutDelay
{
    public const int GraceMs = 100;

    public static Task BeforeAbortAsync(HttpContext context) => Task.Delay(GraceMs, context.RequestAborted);
}
