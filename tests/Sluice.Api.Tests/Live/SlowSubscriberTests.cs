using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Api.Live;

namespace Sluice.Api.Tests.Live;

public sealed class SlowSubscriberTests : IClassFixture<SlowSubscriberTests.Server>
{
    private const int BufferSize = 1_000;

    public sealed class Server() : LiveServer(new Dictionary<string, string?>
    {
        ["Live:SubscriberBufferSize"] = BufferSize.ToString(),
        ["Live:StallTimeout"] = "00:00:02",
    });

    private readonly Server server;

    public SlowSubscriberTests(Server server) => this.server = server;

    [Fact]
    public async Task Pump_ends_a_buffer_that_stays_full_with_the_offset_to_resume_from()
    {
        await server.CreateStreamOrFailAsync(new { name = "pump_full" });
        await server.AppendNumbersAsync("pump_full", 0, 100);
        var channel = Channel.CreateBounded<LiveEvent>(10);

        // Nobody reads the channel; the pump must still return.
        await SubscriptionPump.RunAsync(server.Store.Find("pump_full")!.OpenCursor(0), channel.Writer, 64, TimeSpan.FromMilliseconds(100), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));

        var offsets = new List<long>();
        var error = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var e in channel.Reader.ReadAllAsync())
            {
                offsets.Add(e.Offset);
            }
        });
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), offsets);
        Assert.Equal("subscriber fell behind; resume from offset 10", error.Message);
    }

    [Fact]
    public async Task Pump_with_no_stall_timeout_ends_the_moment_the_buffer_is_full()
    {
        await server.CreateStreamOrFailAsync(new { name = "pump_strict" });
        await server.AppendNumbersAsync("pump_strict", 0, 50);
        var channel = Channel.CreateBounded<LiveEvent>(20);

        await SubscriptionPump.RunAsync(server.Store.Find("pump_strict")!.OpenCursor(5), channel.Writer, 64, TimeSpan.Zero, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(20, channel.Reader.Count);
        var error = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var _ in channel.Reader.ReadAllAsync())
            {
            }
        });
        Assert.Equal("subscriber fell behind; resume from offset 25", error.Message);
    }

    [Fact]
    public async Task Pump_waits_for_a_slow_reader_within_the_stall_timeout_and_loses_nothing()
    {
        await server.CreateStreamOrFailAsync(new { name = "pump_paced" });
        await server.AppendNumbersAsync("pump_paced", 0, 500);
        var channel = Channel.CreateBounded<LiveEvent>(10);
        using var cancel = new CancellationTokenSource();

        var pump = SubscriptionPump.RunAsync(server.Store.Find("pump_paced")!.OpenCursor(0), channel.Writer, 64, TimeSpan.FromSeconds(30), cancel.Token);
        var offsets = new List<long>();
        while (offsets.Count < 500)
        {
            offsets.Add((await channel.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30))).Offset);
        }
        await cancel.CancelAsync();
        await pump.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), offsets);
        Assert.True(channel.Reader.Completion.IsCompletedSuccessfully, "a cancelled subscription completes without an error");
    }

    [Fact]
    public async Task A_stalled_subscriber_is_ended_with_the_resume_offset_while_ingest_goes_on_and_resuming_loses_nothing()
    {
        const int total = 200_000;
        using var endings = new EndedSubscriptions(server);
        await server.CreateStreamOrFailAsync(new { name = "stalled", capacity = 250_000 });
        var active = server.Subscriptions.Active;
        var started = server.Subscriptions.Started;

        // A raw SignalR client that subscribes and then stops reading its socket.
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(server.HubUrl.ToString().Replace("http://", "ws://", StringComparison.Ordinal)), CancellationToken.None);
        await SendFrameAsync(socket, """{"protocol":"json","version":1}""");
        await SendFrameAsync(socket, """{"type":4,"invocationId":"1","target":"Subscribe","arguments":["stalled",0]}""");
        await LiveServer.WaitUntilAsync(() => server.Subscriptions.Started > started, "the stalled subscription started");

        // Ingest far more than socket buffers and the subscriber buffer hold; it completes regardless.
        var padding = new string('x', 150);
        for (var first = 0; first < total; first += 5_000)
        {
            await server.AppendNumbersAsync("stalled", first, 5_000, padding).WaitAsync(TimeSpan.FromSeconds(30));
        }
        await LiveServer.WaitUntilAsync(() => server.Subscriptions.Active == active, "the stalled subscriber's pump ended");

        // Now read what the stalled client was sent: a gapless prefix, then the error naming where to resume.
        var (offsets, error) = await ReadUntilCompletionAsync(socket);
        Assert.NotNull(error);
        Assert.True(offsets.Count < total, "the subscriber should have fallen behind");
        Assert.Equal(Enumerable.Range(0, offsets.Count).Select(i => (long)i), offsets);
        Assert.EndsWith($"subscriber fell behind; resume from offset {offsets.Count}", error);
        Assert.Equal(1, endings.Count("fell_behind"));

        // Resuming from that offset yields the rest, exactly.
        await using var connection = await server.ConnectAsync();
        var resumed = new List<long>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var e in connection.StreamAsync<Received>("Subscribe", "stalled", (long)offsets.Count, timeout.Token))
        {
            resumed.Add(e.Offset);
            if (e.Offset == total - 1)
            {
                break;
            }
        }
        Assert.Equal(Enumerable.Range(offsets.Count, total - offsets.Count).Select(i => (long)i), resumed);
    }

    [Fact]
    public async Task A_stalled_subscriber_does_not_hold_up_another_subscriber_of_the_same_stream()
    {
        const int total = 100_000;
        await server.CreateStreamOrFailAsync(new { name = "shared", capacity = 150_000 });
        var started = server.Subscriptions.Started;
        using var stalled = new ClientWebSocket();
        await stalled.ConnectAsync(new Uri(server.HubUrl.ToString().Replace("http://", "ws://", StringComparison.Ordinal)), CancellationToken.None);
        await SendFrameAsync(stalled, """{"protocol":"json","version":1}""");
        await SendFrameAsync(stalled, """{"type":4,"invocationId":"1","target":"Subscribe","arguments":["shared",null]}""");
        await LiveServer.WaitUntilAsync(() => server.Subscriptions.Started > started, "the stalled subscription started");

        await using var healthy = await server.ConnectAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var count = 0;
        var reading = Task.Run(async () =>
        {
            await foreach (var e in healthy.StreamAsync<Received>("Subscribe", "shared", 0L, timeout.Token))
            {
                Assert.Equal(count, e.Offset);
                if (++count == total)
                {
                    break;
                }
            }
        });
        var padding = new string('x', 150);
        for (var first = 0; first < total; first += 2_000)
        {
            await server.AppendNumbersAsync("shared", first, 2_000, padding);
            // Pace ingest to what one reader takes, so only the stalled subscriber falls behind.
            await LiveServer.WaitUntilAsync(() => Volatile.Read(ref count) >= first, "the healthy subscriber keeps up");
        }
        await reading;

        Assert.Equal(total, count);
    }

    /// <summary>Listens to this server's <c>sluice.live.subscriptions.ended</c> counter.</summary>
    private sealed class EndedSubscriptions : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly ConcurrentDictionary<string, long> counts = new();

        public EndedSubscriptions(LiveServer server)
        {
            var factory = server.Services.GetRequiredService<IMeterFactory>();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == "sluice.live.subscriptions.ended")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "reason")
                    {
                        counts.AddOrUpdate((string)tag.Value!, value, (_, sum) => sum + value);
                    }
                }
            });
            listener.Start();
        }

        public long Count(string reason) => counts.GetValueOrDefault(reason);

        public void Dispose() => listener.Dispose();
    }

    internal static Task SendFrameAsync(ClientWebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json + "\u001e"), WebSocketMessageType.Text, true, CancellationToken.None);

    internal static async Task<(List<long> Offsets, string? Error)> ReadUntilCompletionAsync(ClientWebSocket socket)
    {
        var offsets = new List<long>();
        var pending = new List<byte>();
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            pending.AddRange(buffer.AsSpan(0, result.Count).ToArray());
            int separator;
            while ((separator = pending.IndexOf(0x1e)) >= 0)
            {
                var frame = pending.GetRange(0, separator).ToArray();
                pending.RemoveRange(0, separator + 1);
                using var message = JsonDocument.Parse(frame);
                if (!message.RootElement.TryGetProperty("type", out var type))
                {
                    continue; // the handshake answer
                }
                switch (type.GetInt32())
                {
                    case 2:
                        offsets.Add(message.RootElement.GetProperty("item").GetProperty("offset").GetInt64());
                        break;
                    case 3:
                        return (offsets, message.RootElement.TryGetProperty("error", out var error) ? error.GetString() : null);
                }
            }
        }
    }
}
