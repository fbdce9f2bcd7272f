using System.Runtime.InteropServices;

namespace Nemo.Bench.Load;

/// <summary>
/// Sub-millisecond sleep for the pacing loop. Thread.Sleep rounds to whole milliseconds, which would add up to 1 ms of
/// generator lag to every sub-millisecond latency; on Linux/macOS usleep(3) wakes within the kernel's timer slack
/// (~50 µs on Linux) without spinning a core the server under test needs.
/// </summary>
internal static class PreciseSleep
{
    private static readonly bool UseUsleep = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

    public static void For(long microseconds)
    {
        if (microseconds <= 0)
        {
            return;
        }

        if (UseUsleep)
        {
            _ = usleep((uint)Math.Min(microseconds, 1_000_000));
        }
        else if (microseconds >= 1000)
        {
            Thread.Sleep((int)(microseconds / 1000));
        }
        else
        {
            // Windows has no cheap sub-millisecond sleep; yield instead of spinning.
            Thread.Yield();
        }
    }

    // A plain DllImport (blittable, no marshalling): LibraryImport would need AllowUnsafeBlocks for the same call.
    [DllImport("libc", EntryPoint = "usleep", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int usleep(uint microseconds);
}
