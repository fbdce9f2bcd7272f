using System.CommandLine;
using Nemo.Launcher.Bench;
using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Commands;

/// <summary><c>bench [--silos N --gateways M] [--rates 500,2000,5000] [--duration 5]</c>.</summary>
internal static class BenchCommand
{
    public static Command Create(RepoLayout layout)
    {
        var rates = new Option<string>("--rates")
        {
            Description = "Offered loads in requests per second, comma-separated.",
            DefaultValueFactory = _ => "500,2000,5000",
        };
        var duration = new Option<int>("--duration")
        {
            Description = "Seconds per load step.",
            DefaultValueFactory = _ => 5,
        };
        var topology = new TopologyOptions();
        var command = new Command(
            "bench",
            "Start a cluster, measure the gateway's latency overhead against calling the fake upstream directly and through a bare nginx proxy (the floor), and its CPU and allocations per request (tests/Nemo.Bench), then stop it. Unrecognized arguments go to Nemo.Bench.")
        {
            rates,
            duration,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        topology.AddTo(command);
        command.SetAction((parseResult, _) => new BenchRunner(layout).RunAsync(
            topology.Read(parseResult),
            BenchSettings.Validate(parseResult.GetValue(rates)!, parseResult.GetValue(duration)),
            parseResult.UnmatchedTokens));
        return command;
    }
}
