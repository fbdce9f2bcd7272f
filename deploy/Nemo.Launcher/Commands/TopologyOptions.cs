using System.CommandLine;
using Nemo.Launcher.Cluster;

namespace Nemo.Launcher.Commands;

/// <summary><c>--silos N --gateways M [--gateway-mode client|silo]</c>, shared by <c>up</c> and <c>bench</c>.</summary>
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

    private readonly Option<string> _gatewayMode = new("--gateway-mode")
    {
        Description = "Split tiers: how gateways join the cluster: client (an Orleans client, the default) or silo (a silo that hosts no grain).",
        DefaultValueFactory = _ => "client",
    };

    public void AddTo(Command command)
    {
        command.Add(_silos);
        command.Add(_gateways);
        command.Add(_gatewayMode);
    }

    public Topology Read(ParseResult parseResult) =>
        Topology.From(parseResult.GetValue(_silos), parseResult.GetValue(_gateways), parseResult.GetValue(_gatewayMode));
}
