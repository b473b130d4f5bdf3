using System.Net;
using System.Net.Sockets;

namespace Sluice.Api.Cluster;

/// <summary>
/// Refuses to start a node whose silo or gateway port something already listens on (docs/cluster.md, "Ports").
/// </summary>
/// <remarks>
/// Orleans binds its listeners with <c>ReuseAddress</c>, which .NET maps to <c>SO_REUSEPORT</c> on Linux: a second node
/// given the port of a running one binds it without an error and the two share it. When the second joins, Orleans finds
/// the first in the membership table at the same address and port with an earlier generation, takes it for an older
/// incarnation of itself and declares it dead, and the first node stops ("I have been told I am dead"). A mistyped port
/// would thus stop a healthy node. A bind of our own, made as .NET makes it without that option (<c>SO_REUSEADDR</c>
/// only, so the sockets a stopped node left in TIME_WAIT do not count), fails while any socket listens on the address and
/// port, whatever its options: the new node refuses to start and the running one is left alone.
/// </remarks>
internal static class SiloPorts
{
    public static void EnsureFree(ClusterSettings settings)
    {
        if (settings.SiloPort == settings.GatewayPort)
        {
            throw new InvalidOperationException(
                $"Cluster:SiloPort and Cluster:GatewayPort are both {settings.SiloPort}; give the Orleans gateway a port of its own.");
        }
        var address = IPAddress.Parse(settings.Address);
        EnsureFree(address, settings.SiloPort, "Cluster:SiloPort");
        EnsureFree(address, settings.GatewayPort, "Cluster:GatewayPort");
    }

    private static void EnsureFree(IPAddress address, int port, string setting)
    {
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(address, port));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new InvalidOperationException(
                $"{setting} {port} on {address} is already in use by another process (another node of this machine?). " +
                "Each node needs silo and gateway ports of its own: a node started on the ports of a running one would make the cluster stop that one.");
        }
    }
}
