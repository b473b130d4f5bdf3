using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Api.Limits;
using Xunit.Abstractions;

namespace Sluice.Api.Tests.Live;

/// <summary>
/// Issue 9's reproduction: 2,000 hub clients that subscribe and never read their socket while events flow took the
/// service from 145 MB to 1.9 GB. They must now cost at most 300 MB above the idle service, with the subscriber
/// budget held. The measurement is of this process (GC heap and RSS from /proc/self), so the test runs alone
/// (<see cref="MemoryMeasurementCollection"/>) and its clients are bare sockets whose unread bytes sit in the kernel.
/// Every wait is bounded; the whole test took 27–29 s on the shared 2-core machine.
/// </summary>
[Collection(MemoryMeasurementCollection.Name)]
public sealed class IdleSubscribersMemoryTests(IdleSubscribersMemoryTests.Server server, ITestOutputHelper output) : IClassFixture<IdleSubscribersMemoryTests.Server>
{
    private const int Connections = 2_000;
    private const long Bound = 300L * 1024 * 1024;

    public sealed class Server() : LiveServer(new Dictionary<string, string?>
    {
        // Short, so that most stalled subscriptions end (and give back their buffers) while events still flow.
        ["Live:StallTimeout"] = "00:00:01",
    });

    [Fact]
    public async Task Two_thousand_subscribers_that_never_read_cost_at_most_300_MB_and_stay_within_the_subscriber_budget()
    {
        var clock = Stopwatch.StartNew();
        await server.CreateStreamOrFailAsync(new { name = "idle_readers", capacity = 100_000 });
        var budget = server.Services.GetRequiredService<SubscriberBudget>();
        var port = new Uri(server.BaseUrl).Port;
        var activeBefore = server.Subscriptions.Active;
        var idle = Measure();

        var sockets = new List<Socket>(Connections);
        try
        {
            for (var first = 0; first < Connections; first += 100)
            {
                sockets.AddRange(await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => OpenNeverReadingSubscriberAsync(port, "idle_readers"))));
            }
            await LiveServer.WaitUntilAsync(() => server.Subscriptions.Active >= activeBefore + Connections, "every never-reading client subscribed", 60);
            var connected = Measure();

            // 1,000 events/s of about 190 bytes as sent, for 8 s: each client's kernel buffers fill in a few seconds,
            // then SignalR's, then its subscriber buffer up to its share of the budget.
            var peakRss = 0L;
            var peakHeap = 0L;
            var mostBudget = 0L;
            using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            var padding = new string('x', 100);
            for (var batch = 0; batch < 80; batch++)
            {
                await server.AppendNumbersAsync("idle_readers", batch * 100L, 100, padding);
                peakRss = Math.Max(peakRss, Rss());
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                mostBudget = Math.Max(mostBudget, budget.Used);
                await pace.WaitForNextTickAsync();
            }
            var flowed = Measure();
            output.WriteLine($"idle: heap {Mb(idle.Heap)}, RSS {Mb(idle.Rss)}; {Connections} subscribed: heap {Mb(connected.Heap)}, RSS {Mb(connected.Rss)}; " +
                $"during the flow: peak heap {Mb(peakHeap)} (garbage included), peak RSS {Mb(peakRss)}; after it, with every connection open: " +
                $"heap {Mb(flowed.Heap)}, RSS {Mb(flowed.Rss)}; subscriber budget most used {mostBudget:N0} of {budget.Limit:N0} bytes; {clock.Elapsed.TotalSeconds:F1} s");

            Assert.InRange(mostBudget, 0, budget.Limit);
            Assert.InRange(flowed.Heap - idle.Heap, long.MinValue, Bound);
            Assert.InRange(flowed.Rss - idle.Rss, long.MinValue, Bound);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
        await LiveServer.WaitUntilAsync(() => server.Subscriptions.Active == activeBefore, "closing the connections ended every subscription", 60);
        Assert.Equal(0, budget.Used);
    }

    /// <summary>
    /// A hub client on a bare socket: the WebSocket upgrade, SignalR's JSON handshake and a <c>Subscribe</c> from the
    /// head in one write, and never a read. A small receive buffer makes the kernel stop taking its bytes early.
    /// </summary>
    private static async Task<Socket> OpenNeverReadingSubscriberAsync(int port, string stream)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var request = new List<byte>(Encoding.ASCII.GetBytes(
            $"GET /hubs/streams HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
        request.AddRange(ClientTextFrame("""{"protocol":"json","version":1}"""));
        request.AddRange(ClientTextFrame($$"""{"type":4,"invocationId":"1","target":"Subscribe","arguments":["{{stream}}",null]}"""));
        await socket.SendAsync(request.ToArray());
        return socket;
    }

    /// <summary>One SignalR message as a client's WebSocket text frame: masked, as RFC 6455 requires, with a zero key.</summary>
    private static byte[] ClientTextFrame(string message)
    {
        var payload = Encoding.UTF8.GetBytes(message + "\u001e");
        Assert.InRange(payload.Length, 0, 125);
        return [0x81, (byte)(0x80 | payload.Length), 0, 0, 0, 0, .. payload];
    }

    private static (long Heap, long Rss) Measure()
    {
        // What is held, not what awaits collection: the garbage of the flow is gone after a compacting full collection,
        // and an aggressive one also gives the freed regions back to the OS, so RSS counts what is held (in the whole
        // suite's test host, memory other tests' collections kept committed would otherwise count too).
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return (GC.GetTotalMemory(false), Rss());
    }

    private static long Rss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }
        throw new InvalidOperationException("no VmRSS in /proc/self/status");
    }

    private static string Mb(long bytes) => $"{bytes / (1024.0 * 1024):F0} MB";
}

/// <summary>Tests that measure this process's memory run alone, so no other test's allocations are counted.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "Memory measurements";
}
