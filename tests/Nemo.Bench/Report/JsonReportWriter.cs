using System.Text.Json;
using Nemo.Bench.Stats;

namespace Nemo.Bench.Report;

/// <summary>Machine-readable results (written with Utf8JsonWriter: no reflection, stable field names).</summary>
internal static class JsonReportWriter
{
    public static void Write(BenchReport report, Stream output)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        var m = report.Machine;
        var o = report.Options;
        json.WriteStartObject();
        json.WriteString("date", m.Date);
        json.WriteBoolean("completed", report.Completed);
        json.WriteString("commandLine", report.CommandLine);

        json.WriteStartObject("machine");
        json.WriteNumber("cores", m.Cores);
        json.WriteString("cpu", m.Cpu);
        json.WriteString("os", m.Os);
        json.WriteString("architecture", m.Architecture);
        json.WriteString("runtime", m.Runtime);
        json.WriteString("gc", m.Gc);
        json.WriteEndObject();

        json.WriteStartObject("settings");
        json.WriteString("directUrl", o.DirectUrl.ToString());
        json.WriteString("nemoUrl", o.NemoUrl.ToString());
        if (o.FloorUrl is { } floorUrl)
        {
            json.WriteString("floorUrl", floorUrl.ToString());
        }

        json.WriteNumber("durationSeconds", o.DurationSeconds);
        json.WriteNumber("warmupSeconds", o.WarmupSeconds);
        json.WriteNumber("connections", o.Connections);
        json.WriteNumber("inFlightCap", o.InFlightCap);
        json.WriteNumber("streamShare", o.StreamShare);
        json.WriteNumber("mixSize", report.MixSize);
        json.WriteNumber("mixSeed", report.MixSeed);
        json.WriteNumber("mixStreams", report.MixStreams);
        json.WriteEndObject();

        json.WriteStartArray("results");
        foreach (var result in report.Results)
        {
            json.WriteStartObject();
            json.WriteNumber("rate", result.Rate);
            WriteRun(json, "direct", result.Direct);
            WriteRun(json, "nemo", result.Nemo);
            if (result.Floor is { } floor)
            {
                WriteRun(json, "floor", floor);
                if (result.HasFloor)
                {
                    json.WriteStartObject("floorOverheadMs");
                    json.WriteNumber("p50", Round(result.FloorP50Ms));
                    json.WriteNumber("p90", Round(result.FloorP90Ms));
                    json.WriteNumber("p99", Round(result.FloorP99Ms));
                    json.WriteEndObject();
                }
            }

            if (result.NemoCost is { } cost)
            {
                json.WriteStartObject("gatewayProcess");
                json.WriteNumber("cpuMicrosPerRequest", Math.Round(cost.CpuMicrosPerRequest, 1));
                if (cost.AllocatedBytesPerRequest is { } allocated)
                {
                    json.WriteNumber("allocatedBytesPerRequest", Math.Round(allocated));
                }

                json.WriteEndObject();
            }

            if (result.HasOverhead)
            {
                json.WriteStartObject("overheadMs");
                json.WriteNumber("p50", Round(result.OverheadP50Ms));
                json.WriteNumber("p90", Round(result.OverheadP90Ms));
                json.WriteNumber("p99", Round(result.OverheadP99Ms));
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("overheadMs");
            }

            if (result.NemoBesideFaults is { } beside)
            {
                WriteRun(json, "nemoBesideFaulty", beside);
                WriteRun(json, "faulty", result.Faulty!);
                if (result.FaultyP99Ratio is { } ratio)
                {
                    json.WriteNumber("faultyP99Ratio", Math.Round(ratio, 3));
                }
            }
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteRun(Utf8JsonWriter json, string name, RunSummary run)
    {
        json.WriteStartObject(name);
        json.WriteNumber("scheduled", run.Scheduled);
        json.WriteNumber("sent", run.Sent);
        json.WriteNumber("succeeded", run.Succeeded);
        json.WriteNumber("elapsedSeconds", Round(run.ElapsedSeconds));
        json.WriteNumber("achievedPerSecond", Math.Round(run.AchievedRate, 1));
        WriteLatency(json, "p50Ms", run.P50Ms, run.HasLatency);
        WriteLatency(json, "p90Ms", run.P90Ms, run.HasLatency);
        WriteLatency(json, "p99Ms", run.P99Ms, run.HasLatency);
        WriteLatency(json, "maxMs", run.MaxMs, run.HasLatency);
        WriteLatency(json, "meanMs", run.MeanMs, run.HasLatency);
        json.WriteNumber("sendLagP99Ms", Round(run.SendLagP99Ms));
        json.WriteNumber("errorTotal", run.ErrorTotal);
        json.WriteStartObject("errors");
        foreach (var error in run.Errors)
        {
            json.WriteNumber(error.Key, error.Value);
        }

        json.WriteEndObject();
        if (run.ErrorSample is not null)
        {
            json.WriteString("firstError", run.ErrorSample);
        }

        json.WriteEndObject();
    }

    private static void WriteLatency(Utf8JsonWriter json, string name, double milliseconds, bool present)
    {
        if (present)
        {
            json.WriteNumber(name, Round(milliseconds));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    // Microsecond resolution is all a millisecond value here can honestly claim.
    private static double Round(double value) => Math.Round(value, 3);
}
