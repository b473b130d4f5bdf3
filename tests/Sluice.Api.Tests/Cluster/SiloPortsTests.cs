using System.Net;
using System.Net.Sockets;
using Sluice.Api.Cluster;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Cluster;

/// <summary>
/// A node refuses to start on a silo or gateway port that a running node listens on (docs/cluster.md, "Ports"): Orleans
/// would share the port with it and then declare the running node dead as an older incarnation of the new one.
/// </summary>
public sealed class SiloPortsTests
{
    [Fact]
    public void A_silo_port_a_running_node_listens_on_is_refused_though_Orleans_itself_would_bind_it()
    {
        using var running = ListenAsOrleansDoes(0);
        var port = ((IPEndPoint)running.LocalEndPoint!).Port;
        // What the check guards against: a second listener made as Orleans makes it binds the same port without an error.
        using (var second = ListenAsOrleansDoes(port))
        {
            Assert.Equal(port, ((IPEndPoint)second.LocalEndPoint!).Port);
        }

        var refused = Assert.Throws<InvalidOperationException>(() => SiloPorts.EnsureFree(Settings(siloPort: port, gatewayPort: LoopbackPorts.Next())));
        Assert.Contains($"Cluster:SiloPort {port} on 127.0.0.1 is already in use", refused.Message, StringComparison.Ordinal);
        var gateway = Assert.Throws<InvalidOperationException>(() => SiloPorts.EnsureFree(Settings(siloPort: LoopbackPorts.Next(), gatewayPort: port)));
        Assert.Contains($"Cluster:GatewayPort {port}", gateway.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_ports_of_a_node_that_stopped_are_free_again_though_its_connections_linger_in_TIME_WAIT()
    {
        int port;
        using (var stopped = ListenAsOrleansDoes(0))
        {
            port = ((IPEndPoint)stopped.LocalEndPoint!).Port;
            // The node closes an accepted connection first, as a stopping node does: that end stays in TIME_WAIT on the port.
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(IPAddress.Loopback, port);
            using (var accepted = stopped.Accept())
            {
                accepted.Shutdown(SocketShutdown.Both);
            }
            Assert.Equal(0, client.Receive(new byte[1]));
        }

        SiloPorts.EnsureFree(Settings(siloPort: port, gatewayPort: LoopbackPorts.Next()));
    }

    [Fact]
    public void One_port_for_both_the_silo_and_the_gateway_is_refused()
    {
        var port = LoopbackPorts.Next();
        var refused = Assert.Throws<InvalidOperationException>(() => SiloPorts.EnsureFree(Settings(siloPort: port, gatewayPort: port)));
        Assert.Contains("Cluster:SiloPort and Cluster:GatewayPort are both", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>A listening socket with the options Orleans' silo and gateway listeners set.</summary>
    private static Socket ListenAsOrleansDoes(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        socket.Listen(16);
        return socket;
    }

    private static ClusterSettings Settings(int siloPort, int gatewayPort) =>
        new() { Enabled = true, Address = "127.0.0.1", SiloPort = siloPort, GatewayPort = gatewayPort };
}
