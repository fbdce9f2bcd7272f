using Nemo.Launcher.Infrastructure;

namespace Nemo.Launcher.Cluster;

/// <summary>
/// What to start: one all-in-one process (the default), or split tiers of <see cref="Silos"/>
/// silos and <see cref="Gateways"/> gateways when either count is given explicitly.
/// </summary>
internal sealed record Topology(bool Split, int Silos, int Gateways, bool GatewaysAsSilos = false)
{
    public static Topology AllInOne { get; } = new(Split: false, Silos: 0, Gateways: 1);

    public static Topology From(int? silos, int? gateways, string? gatewayMode = "client")
    {
        bool gatewaysAsSilos = gatewayMode switch
        {
            null or "client" => false,
            "silo" => true,
            _ => throw new LauncherException($"--gateway-mode must be client or silo (currently '{gatewayMode}')"),
        };
        if (silos is null && gateways is null)
        {
            return AllInOne;
        }

        var topology = new Topology(Split: true, silos ?? 1, gateways ?? 1, gatewaysAsSilos);
        if (topology.Silos < 1 || topology.Gateways < 1)
        {
            throw new LauncherException($"--silos and --gateways must be at least 1 (currently --silos {topology.Silos} --gateways {topology.Gateways})");
        }

        return topology;
    }

    public override string ToString() => Split ? $"{Silos} silo(s) + {Gateways} gateway(s){(GatewaysAsSilos ? " joined as grainless silos" : "")}" : "all-in-one";
}
