using System.Net;
using System.Net.Sockets;

namespace Nemo.Cluster.Hosting;

/// <summary>
/// Picks a free port at start-up for a configured port of 0. Orleans advertises its silo and gateway
/// ports in the membership table, so it needs the number before it binds; asking the OS and releasing
/// the port is the only way. Ports come from below Linux's ephemeral range (32768–60999 by default):
/// a port from inside it can be taken in the meantime as the local port of an outgoing connection,
/// which was seen here under load tests. Fixed ports are for production; this is for one machine.
/// </summary>
public static class FreePorts
{
    private const int First = 20_000;
    private const int End = 32_768;

    public static int Resolve(int configured, IPAddress address) => configured != 0 ? configured : Pick(address);

    public static int Pick(IPAddress address)
    {
        IPAddress bind = address.Equals(IPAddress.Any) ? IPAddress.Loopback : address;
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int port = Random.Shared.Next(First, End);
            try
            {
                using var listener = new TcpListener(bind, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: try another
            }
        }
        using var fallback = new TcpListener(bind, 0);
        fallback.Start();
        return ((IPEndPoint)fallback.LocalEndpoint).Port;
    }
}
