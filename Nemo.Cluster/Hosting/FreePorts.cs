using System.Net;
using System.Net.Sockets;

namespace Nemo.Cluster.Hosting;

/// <summary>
/// Resolves a configured port of 0 to a free one at start-up. Orleans advertises its silo and gateway
/// ports in the membership table, so it needs the number before it binds; asking the OS for a free
/// port and releasing it is the only way (a small window in which another process could take it,
/// acceptable for tests and single-machine runs; production sets fixed ports).
/// </summary>
internal static class FreePorts
{
    public static int Resolve(int configured, IPAddress address)
    {
        if (configured != 0)
            return configured;
        using var listener = new TcpListener(address.Equals(IPAddress.Any) ? IPAddress.Loopback : address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
