using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sluice.Api.Tests.Live;

/// <summary>
/// Kestrel's socket transport holds at most <c>Live:SocketSendBufferBytes</c> per connection on its way to the kernel:
/// what each client that stops reading pins of Kestrel's blocks (64 KiB is Kestrel's own default).
/// </summary>
public sealed class SocketSendBufferTests
{
    [Fact]
    public void The_transport_write_buffer_is_16_KiB_by_default()
    {
        using var server = new LiveServer();

        Assert.Equal(16 * 1024, server.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.MaxWriteBufferSize);
    }

    [Fact]
    public void The_transport_write_buffer_follows_the_setting()
    {
        using var server = new LiveServer(new Dictionary<string, string?> { ["Live:SocketSendBufferBytes"] = "65536" });

        Assert.Equal(65536, server.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.MaxWriteBufferSize);
    }
}
