using System.Runtime;
using System.Runtime.InteropServices;

namespace Nemo.Bench.Report;

/// <summary>What the numbers were measured on (no host name: reports go into docs).</summary>
internal sealed record MachineInfo(
    int Cores, string Cpu, string Os, string Architecture, string Runtime, string Gc, DateTimeOffset Date)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        CpuModel(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.OSArchitecture.ToString(),
        RuntimeInformation.FrameworkDescription,
        (GCSettings.IsServerGC ? "server" : "workstation") + (GCSettings.LatencyMode == GCLatencyMode.Batch ? ", non-concurrent" : string.Empty),
        DateTimeOffset.UtcNow);

    private static string CpuModel()
    {
        const string cpuInfo = "/proc/cpuinfo";
        try
        {
            if (File.Exists(cpuInfo))
            {
                foreach (string line in File.ReadLines(cpuInfo))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal))
                    {
                        int colon = line.IndexOf(':', StringComparison.Ordinal);
                        return colon < 0 ? line : line[(colon + 1)..].Trim();
                    }
                }
            }
        }
        catch (IOException)
        {
            // Best effort only.
        }
        catch (UnauthorizedAccessException)
        {
            // Best effort only.
        }

        return "unknown";
    }
}
