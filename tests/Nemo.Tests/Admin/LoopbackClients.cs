using System.Net;
using System.Net.Sockets;

namespace Nemo.Tests.Admin;

/// <summary>
/// HTTP clients that connect from a chosen loopback source address (127.0.0.2, 127.0.0.3 …: on Linux every
/// 127/8 address is local), so per-client-address limits can be observed from one test process.
/// </summary>
public static class LoopbackClients
{
    public static HttpClient From(string sourceAddress, string baseUrl) =>
        new(new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(sourceAddress), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        { BaseAddress = new Uri(baseUrl) };
}
