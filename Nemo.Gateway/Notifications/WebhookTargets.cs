using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Nemo.Gateway.Notifications;

/// <summary>
/// Where webhooks may go. By default only https URLs whose host resolves to public addresses: plain
/// http, and loopback, private, link-local, carrier-grade NAT and cloud-metadata addresses
/// (169.254.169.254, fd00:ec2::254 …), only for hosts listed in <c>Nemo:Webhooks:AllowedHosts</c>.
/// The URL is checked when it is set (<see cref="UrlProblem"/>), and the address is checked again on
/// every delivery, after DNS resolution, in the connection callback (<see cref="ConnectAsync"/>), so
/// a name that later resolves to an internal address (DNS rebinding) is refused too.
/// </summary>
internal sealed class WebhookTargets(IOptions<WebhookOptions> options)
{
    public bool IsAllowedHost(string host)
    {
        string bare = host.Trim('[', ']');
        return options.Value.AllowedHosts.Any(h => string.Equals(h.Trim('[', ']'), bare, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Null when webhooks may be sent to <paramref name="url"/>, else what to change.</summary>
    public string? UrlProblem(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            return $"webhook_url must be an absolute https URL (got '{url}').";
        if (!string.IsNullOrEmpty(uri.UserInfo))
            return "webhook_url must not carry a user name or password; authenticate deliveries with the signature header.";
        bool allowed = IsAllowedHost(uri.Host);
        if (uri.Scheme == "http" && !allowed)
            return $"webhook_url must use https (got '{url}'); plain http is allowed only for hosts the operator lists in Nemo:Webhooks:AllowedHosts.";
        if (!allowed && IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? literal) && !IsPublic(literal))
            return $"webhook_url points at {literal}, a loopback, private, link-local or metadata address; use a public host (or ask the operator to list it in Nemo:Webhooks:AllowedHosts).";
        return null;
    }

    /// <summary>
    /// SocketsHttpHandler.ConnectCallback: resolves the host, refuses non-public addresses of hosts that
    /// aren't listed, and connects to the first address that answers.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        string host = context.DnsEndPoint.Host;
        bool allowed = IsAllowedHost(host);
        IPAddress[] addresses = IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        IPAddress[] usable = allowed ? addresses : [.. addresses.Where(IsPublic)];
        if (usable.Length == 0)
            throw new HttpRequestException(
                $"refused: {host} resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}, not a public address; the operator can allow it in Nemo:Webhooks:AllowedHosts");
        SocketException? last = null;
        foreach (IPAddress address in usable)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw new HttpRequestException($"could not connect to {host}: {last?.Message}", last);
    }

    /// <summary>False for loopback, unspecified, private, shared (CGNAT), link-local (metadata), multicast and reserved ranges.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address))
            return false;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            byte[] b = address.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] == 127
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)   // 100.64.0.0/10 shared address space (Alibaba metadata 100.100.100.200)
                || (b[0] == 169 && b[1] == 254)                 // link-local, cloud metadata 169.254.169.254
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)      // IETF protocol assignments
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19))  // benchmarking
                || b[0] >= 224);                                // multicast, reserved, broadcast
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast)
                return false;
            byte[] b = address.GetAddressBytes();
            if ((b[0] & 0xFE) == 0xFC)                           // fc00::/7 unique local (AWS metadata fd00:ec2::254)
                return false;
            if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B) // 64:ff9b::/96 NAT64: judge the embedded IPv4 address
                return IsPublic(new IPAddress(b.AsSpan(12, 4)));
            return true;
        }
        return false;
    }
}
