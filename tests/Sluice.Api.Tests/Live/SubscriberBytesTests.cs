using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sluice.Api.Limits;
using Sluice.Api.Live;

namespace Sluice.Api.Tests.Live;

/// <summary>
/// <c>Limits:SubscriberBytes</c>: all subscriber buffers together stay within a byte budget; a subscriber that does not
/// drain its share is ended with an error naming the limit and the offset to resume from.
/// </summary>
public sealed class SubscriberBytesTests(SubscriberBytesTests.Server server) : IClassFixture<SubscriberBytesTests.Server>
{
    private const long Budget = 300_000;

    public sealed class Server() : LiveServer(new Dictionary<string, string?>
    {
        ["Limits:SubscriberBytes"] = Budget.ToString(),
        // Room for far more events than the byte budget, so bytes, not the count, are what fills.
        ["Live:SubscriberBufferSize"] = "100000",
        ["Live:StallTimeout"] = "00:00:01",
    });

    private static SubscriberBudget NewBudget(long bytes) => new(Options.Create(new LimitsOptions { SubscriberBytes = bytes }));

    [Fact]
    public async Task A_pump_whose_reader_never_drains_stops_at_its_share_and_ends_naming_the_limit_and_the_resume_offset()
    {
        await server.CreateStreamOrFailAsync(new { name = "bytes_full" });
        await server.AppendNumbersAsync("bytes_full", 0, 200, new string('x', 200));
        var budget = NewBudget(10_000);
        using var other = budget.Join();
        using var share = budget.Join();
        var channel = Channel.CreateBounded<LiveEvent>(1_000);

        // Nobody reads the channel; the pump must still return, having buffered no more than its half of the budget.
        await SubscriptionPump.RunAsync(server.Store.Find("bytes_full")!.OpenCursor(0), channel.Writer, 64, TimeSpan.FromMilliseconds(100),
                CancellationToken.None, share: share)
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.InRange(share.Held, 1, 5_000);
        Assert.Equal(share.Held, budget.Used);
        var offsets = new List<long>();
        var error = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var e in new BudgetedReader(channel.Reader, share).ReadAllAsync())
            {
                offsets.Add(e.Offset);
            }
        });
        Assert.InRange(offsets.Count, 10, 20);
        Assert.Equal(Enumerable.Range(0, offsets.Count).Select(i => (long)i), offsets);
        Assert.Contains("Limits:SubscriberBytes", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"resume from offset {offsets.Count}", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, budget.Used);
    }

    [Fact]
    public async Task A_reader_that_drains_gets_every_event_through_a_small_share_and_gives_every_byte_back()
    {
        await server.CreateStreamOrFailAsync(new { name = "bytes_paced" });
        await server.AppendNumbersAsync("bytes_paced", 0, 500, new string('x', 200));
        var budget = NewBudget(2_000);
        var share = budget.Join();
        var channel = Channel.CreateBounded<LiveEvent>(1_000);
        var reader = new BudgetedReader(channel.Reader, share);
        using var cancel = new CancellationTokenSource();

        var pump = SubscriptionPump.RunAsync(server.Store.Find("bytes_paced")!.OpenCursor(0), channel.Writer, 64, TimeSpan.FromSeconds(30),
            cancel.Token, share: share);
        var offsets = new List<long>();
        var mostHeld = 0L;
        while (offsets.Count < 500)
        {
            mostHeld = Math.Max(mostHeld, budget.Used);
            offsets.Add((await reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30))).Offset);
        }
        await cancel.CancelAsync();
        await pump.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), offsets);
        Assert.InRange(mostHeld, 1, 2_000);
        Assert.Equal(0, share.Held);
        share.Dispose();
        Assert.Equal(0, budget.Subscriptions);
    }

    [Fact]
    public async Task A_client_that_never_reads_is_ended_at_its_share_of_the_budget_while_a_reading_client_gets_everything()
    {
        const int total = 20_000;
        await server.CreateStreamOrFailAsync(new { name = "never_read", capacity = 50_000 });
        var budget = server.Services.GetRequiredService<SubscriberBudget>();
        var active = server.Subscriptions.Active;
        var started = server.Subscriptions.Started;

        // A raw SignalR client that subscribes and then never reads its socket.
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(server.HubUrl.ToString().Replace("http://", "ws://", StringComparison.Ordinal)), CancellationToken.None);
        await SlowSubscriberTests.SendFrameAsync(socket, """{"protocol":"json","version":1}""");
        await SlowSubscriberTests.SendFrameAsync(socket, """{"type":4,"invocationId":"1","target":"Subscribe","arguments":["never_read",0]}""");
        await LiveServer.WaitUntilAsync(() => server.Subscriptions.Started > started, "the never-reading subscription started");

        // Far more than socket buffers hold: the server-side buffer fills up to the byte budget and no further.
        var padding = new string('x', 500);
        var mostHeld = 0L;
        for (var first = 0; first < total; first += 1_000)
        {
            await server.AppendNumbersAsync("never_read", first, 1_000, padding).WaitAsync(TimeSpan.FromSeconds(30));
            mostHeld = Math.Max(mostHeld, budget.Used);
        }
        await LiveServer.WaitUntilAsync(() =>
        {
            mostHeld = Math.Max(mostHeld, budget.Used);
            return server.Subscriptions.Active == active;
        }, "the never-reading subscriber's pump ended");
        Assert.InRange(mostHeld, 0, Budget);
        Assert.Equal(0, budget.Used);

        // What the client was sent: a gapless prefix, then the error naming the limit and where to resume.
        var (offsets, error) = await SlowSubscriberTests.ReadUntilCompletionAsync(socket);
        Assert.NotNull(error);
        Assert.Contains("Limits:SubscriberBytes", error, StringComparison.Ordinal);
        Assert.True(offsets.Count < total, "the subscriber should have been ended");
        Assert.Equal(Enumerable.Range(0, offsets.Count).Select(i => (long)i), offsets);
        Assert.EndsWith($"resume from offset {offsets.Count}", error, StringComparison.Ordinal);
    }
}
