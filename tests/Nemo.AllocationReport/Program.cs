using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// Usage: Nemo.AllocationReport <capture.nettrace> <requests served during the capture> [frame filter]
// The capture is `dotnet-trace collect -p <pid> --profile gc-verbose`: the runtime samples an allocation tick about
// every 100 KB, with its type and stack. Each tick's bytes are charged to its type and to the nearest frame of Nemo's
// or of a library Nemo calls (the code that asked for the memory), then divided by the requests served meanwhile.
// With a filter, the heaviest full stacks whose nearest frame contains it are printed too.
if (args.Length < 2 || !long.TryParse(args[1], out long requests) || requests <= 0)
{
    Console.Error.WriteLine("usage: Nemo.AllocationReport <capture.nettrace> <requests during the capture> [frame filter]");
    return 2;
}

string? focus = args.Length > 2 ? args[2] : null;
string[] owners = ["Nemo", "Orleans", "Npgsql", "Polly", "OpenTelemetry", "Microsoft.AspNetCore", "System.Net.Http"];
var byType = new Dictionary<string, long>();
var byFrame = new Dictionary<string, long>();
var byOwner = new Dictionary<string, long>();
var stacks = new Dictionary<string, long>();
long total = 0;
using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(args[0]));
foreach (var data in log.Events)
{
    if (data is not GCAllocationTickTraceData tick)
    {
        continue;
    }

    long bytes = tick.AllocationAmount64;
    string type = tick.TypeName ?? "?";
    total += bytes;
    Add(byType, type, bytes);
    var frames = new List<string>();
    for (TraceCallStack? frame = data.CallStack(); frame is not null && frames.Count < 60; frame = frame.Caller)
    {
        frames.Add(frame.CodeAddress.FullMethodName ?? "?");
    }

    string nearest = frames.FirstOrDefault(f => owners.Any(o => f.StartsWith(o, StringComparison.Ordinal))) ?? "(runtime)";
    Add(byFrame, nearest, bytes);
    Add(byOwner, owners.FirstOrDefault(o => nearest.StartsWith(o, StringComparison.Ordinal)) ?? nearest, bytes);
    if (focus is not null && nearest.Contains(focus, StringComparison.Ordinal))
    {
        Add(stacks, string.Join("\n    ", frames.Take(25)), bytes);
    }
}

Console.WriteLine($"sampled {total / 1024.0:F0} KB over {requests} requests: {total / (double)requests / 1024:F1} KB per request");
Print("by owner of the nearest frame", byOwner, 10);
Print("by type", byType, 25);
Print("by the nearest frame of Nemo or a library it calls", byFrame, 40);
if (focus is not null)
{
    foreach (var (stack, bytes) in stacks.OrderByDescending(s => s.Value).Take(3))
    {
        Console.WriteLine($"== {bytes / (double)requests:F0} B per request\n    {stack}");
    }
}

return 0;

void Print(string title, Dictionary<string, long> sums, int top)
{
    Console.WriteLine($"-- {title}");
    foreach (var (name, bytes) in sums.OrderByDescending(s => s.Value).Take(top))
    {
        Console.WriteLine($"{bytes / (double)requests,7:F0} B  {(name.Length > 180 ? name[..180] : name)}");
    }
}

static void Add(Dictionary<string, long> sums, string key, long bytes) => sums[key] = sums.GetValueOrDefault(key) + bytes;
