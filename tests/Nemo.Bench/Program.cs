using System.CommandLine;
using Nemo.Bench.Cli;
using Nemo.Bench.Load;

// Entry point: parse the flags (exit 2 on bad arguments), then run the bench (exit 0 once it ran).
RuntimeTuning.Apply();
using var stopSignal = new StopSignal();
var command = new BenchCommand(stopSignal.Token);
ParseResult parsed = command.Root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
    {
        Console.Error.WriteLine($"error: {error.Message}");
    }

    Console.Error.WriteLine("Run with --help for usage.");
    return ExitCodes.BadArguments;
}

// Signals are handled by StopSignal, so that an interrupted bench still prints what it measured.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
