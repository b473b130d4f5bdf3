using System.Net;
using System.Net.Sockets;

namespace Sluice.Api.Tests.Infrastructure;

internal static class LoopbackPort
{
    /// <summary>A port of 127.0.0.1 nothing listens on now: the one the OS hands out for port 0, released at once.</summary>
    public static int Unused()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
