using System.CommandLine;
using Nemo.Launcher.Cluster;

namespace Nemo.Launcher.Commands;

/// <summary><c>--silos N --gateways M</c>, shared by <c>up</c> and <c>bench</c>.</summary>
internal sealed class TopologyOptions
{
    private readonly Option<int?> _silos = new("--silos")
    {
        Description = "Split tiers: number of silo processes (1 if only --gateways is given). Without both flags: one all-in-one process.",
    };

    private readonly Option<int?> _gateways = new("--gateways")
    {
        Description = "Split tiers: number of gateway processes (1 if only --silos is given).",
    };

    public void AddTo(Command command)
    {
        command.Add(_silos);
        command.Add(_gateways);
    }

    public Topology Read(ParseResult parseResult) => Topology.From(parseResult.GetValue(_silos), parseResult.GetValue(_gateways));
}
