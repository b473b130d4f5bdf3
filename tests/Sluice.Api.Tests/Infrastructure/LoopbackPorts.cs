using System.Net;
using System.Net.Sockets;

namespace Sluice.Api.Tests.Infrastructure;

/// <summary>
/// Ports on 127.0.0.1 for the servers tests start (services, cluster nodes' silo and gateway ports, PostgreSQL): free when
/// handed out, and never handed out twice in one test run.
/// </summary>
/// <remarks>
/// A port is chosen by binding port 0 and closing the socket at once; the server binds it later, sometimes much later (a
/// three-node cluster chooses all nine of its ports before its first node starts, and a restarted node binds its ports
/// again). Once closed, the kernel may give the same port to the next bind to port 0, so two nodes could be handed one port.
/// For HTTP that fails the second node's start; for Orleans it does not: Orleans binds its listeners with
/// <c>ReuseAddress</c>, which .NET maps to <c>SO_REUSEPORT</c> on Linux, so a second silo binds the port of the first
/// without an error, and when it joins, Orleans takes the first for an older incarnation of itself (same endpoint, earlier
/// generation) and declares it dead, which stops it: a node refusing connections seconds after the cluster started
/// (docs/cluster.md, "Rolling restart"). The service now refuses to start on a taken silo or gateway port
/// (<c>SiloPorts</c>); remembering the ports handed out keeps the tests from getting there.
/// </remarks>
internal static class LoopbackPorts
{
    private static readonly HashSet<int> HandedOut = [];
    private static readonly Lock Gate = new();

    public static int Next()
    {
        lock (Gate)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
