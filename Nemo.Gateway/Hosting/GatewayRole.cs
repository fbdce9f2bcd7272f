namespace Nemo.Gateway.Hosting;

/// <summary>How a gateway process joins the Orleans cluster (<c>Nemo:Role</c>).</summary>
public enum GatewayRole
{
    /// <summary>Co-hosts a silo that hosts grains: calls stay in-process.</summary>
    AllInOne = 0,

    /// <summary>An Orleans client: hosts nothing, reaches grains through a silo's gateway port.</summary>
    Client = 1,

    /// <summary>A silo that hosts no organization grain: a cluster member that calls hosting silos directly.</summary>
    SiloWithoutGrains = 2,
}
