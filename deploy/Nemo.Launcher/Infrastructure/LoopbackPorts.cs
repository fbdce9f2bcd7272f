using System.Net;
using System.Net.Sockets;

namespace Nemo.Launcher.Infrastructure;

/// <summary>Loopback port checks and picks. Picks race with other programs, which is fine for a dev box.</summary>
internal static class LoopbackPorts
{
    /// <summary>A port the kernel reports free on 127.0.0.1 right now.</summary>
    public static int PickFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>True if nothing listens on 127.0.0.1:<paramref name="port"/> (or on all addresses).</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
