using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Sluice.Api.Live;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Live;

/// <summary>
/// Subscribers at a stream's head are served by one fan-out per stream, which wakes once per append for all of them and
/// hands a subscriber back to its own pump when its buffer is full: every subscriber still gets every offset once, in order.
/// </summary>
public sealed class LiveFanoutTests
{
    private static async Task<StreamLog> MemoryLogAsync(int capacity = 100_000) =>
        await new Sluice.Data.Memory.MemoryStreamEngine(TimeProvider.System).CreateAsync(
            new StreamDefinition("fanout", StorageKind.Memory, null, TimeSpan.Zero, capacity, null, DateTimeOffset.UnixEpoch), CancellationToken.None);

    private static Task AppendAsync(StreamLog log, int first, int count) =>
        log.AppendAsync([.. Enumerable.Range(first, count).Select(i => new NewEvent(DateTimeOffset.UnixEpoch, Encoding.UTF8.GetBytes($$"""{"n":{{i}}}""")))], CancellationToken.None).AsTask();

    private static Task<SubscriptionEnd> PumpAsync(StreamLog log, long from, ChannelWriter<LiveEvent> writer, TimeSpan stallTimeout, CancellationToken cancellationToken) =>
        SubscriptionPump.RunAsync(log.OpenCursor(from), writer, 64, stallTimeout, cancellationToken, fanOutAtHead: true);

    private static async Task<List<long>> ReadOffsetsAsync(ChannelReader<LiveEvent> reader, int count)
    {
        var offsets = new List<long>(count);
        while (offsets.Count < count)
        {
            offsets.Add((await reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30))).Offset);
        }
        return offsets;
    }

    [Fact]
    public async Task Subscribers_at_the_head_get_every_event_in_order_from_one_read_per_append_whatever_their_number()
    {
        const int subscribers = 20;
        const int appends = 10;
        var log = await MemoryLogAsync();
        var fanout = SubscriptionPump.Fanout(log, 64);
        using var cancel = new CancellationTokenSource();
        var channels = Enumerable.Range(0, subscribers).Select(_ => Channel.CreateBounded<LiveEvent>(1_000)).ToArray();
        var pumps = channels.Select(c => PumpAsync(log, 0, c.Writer, TimeSpan.FromSeconds(30), cancel.Token)).ToArray();
        await LiveServer.WaitUntilAsync(() => fanout.Subscribers == subscribers, "every pump handed itself to the fan-out");
        var reading = channels.Select(c => ReadOffsetsAsync(c.Reader, appends * 5)).ToArray();

        for (var i = 0; i < appends; i++)
        {
            await AppendAsync(log, i * 5, 5);
            // Each append is delivered before the next, so each takes the fan-out one read.
            await LiveServer.WaitUntilAsync(() => fanout.Rounds == i + 1, $"append {i} was fanned out");
        }

        foreach (var offsets in await Task.WhenAll(reading))
        {
            Assert.Equal(Enumerable.Range(0, appends * 5).Select(i => (long)i), offsets);
        }
        Assert.Equal(appends, fanout.Rounds);
        await cancel.CancelAsync();
        Assert.All(await Task.WhenAll(pumps), end => Assert.Equal(SubscriptionEnd.Cancelled, end));
        Assert.Equal(0, fanout.Subscribers);
    }

    [Fact]
    public async Task A_subscriber_whose_buffer_fills_is_handed_back_and_ended_with_its_resume_offset_while_the_others_get_everything()
    {
        var log = await MemoryLogAsync();
        var fanout = SubscriptionPump.Fanout(log, 64);
        using var cancel = new CancellationTokenSource();
        var stalled = Channel.CreateBounded<LiveEvent>(5);
        var healthy = Enumerable.Range(0, 3).Select(_ => Channel.CreateBounded<LiveEvent>(1_000)).ToArray();
        var stalledPump = PumpAsync(log, 0, stalled.Writer, TimeSpan.FromMilliseconds(200), cancel.Token);
        var healthyPumps = healthy.Select(c => PumpAsync(log, 0, c.Writer, TimeSpan.FromSeconds(30), cancel.Token)).ToArray();
        await LiveServer.WaitUntilAsync(() => fanout.Subscribers == 4, "every pump handed itself to the fan-out");

        await AppendAsync(log, 0, 50);

        Assert.Equal(SubscriptionEnd.FellBehind, await stalledPump.WaitAsync(TimeSpan.FromSeconds(30)));
        var offsets = new List<long>();
        var error = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var e in stalled.Reader.ReadAllAsync())
            {
                offsets.Add(e.Offset);
            }
        });
        Assert.Equal([0L, 1, 2, 3, 4], offsets);
        Assert.Equal("subscriber fell behind; resume from offset 5", error.Message);
        foreach (var channel in healthy)
        {
            Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), await ReadOffsetsAsync(channel.Reader, 50));
        }
        await cancel.CancelAsync();
        await Task.WhenAll(healthyPumps);
    }

    [Fact]
    public async Task A_subscriber_handed_back_with_room_again_catches_up_alone_and_rejoins_without_a_gap()
    {
        var log = await MemoryLogAsync();
        var fanout = SubscriptionPump.Fanout(log, 64);
        using var cancel = new CancellationTokenSource();
        var small = Channel.CreateBounded<LiveEvent>(5);
        var pump = PumpAsync(log, 0, small.Writer, TimeSpan.FromSeconds(30), cancel.Token);
        await LiveServer.WaitUntilAsync(() => fanout.Subscribers == 1, "the pump handed itself to the fan-out");

        // More than the buffer holds: the fan-out hands it back at offset 5 and the pump, paced by its reader, goes on.
        await AppendAsync(log, 0, 40);
        var offsets = await ReadOffsetsAsync(small.Reader, 40);
        await LiveServer.WaitUntilAsync(() => fanout.Subscribers == 1, "the pump rejoined the fan-out at the head");
        await AppendAsync(log, 40, 3);
        offsets.AddRange(await ReadOffsetsAsync(small.Reader, 3));

        Assert.Equal(Enumerable.Range(0, 43).Select(i => (long)i), offsets);
        await cancel.CancelAsync();
        Assert.Equal(SubscriptionEnd.Cancelled, await pump.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_subscriber_joining_behind_the_fan_out_reads_the_gap_itself_first()
    {
        var log = await MemoryLogAsync();
        var fanout = SubscriptionPump.Fanout(log, 64);
        using var cancel = new CancellationTokenSource();
        var first = Channel.CreateBounded<LiveEvent>(1_000);
        var firstPump = PumpAsync(log, 0, first.Writer, TimeSpan.FromSeconds(30), cancel.Token);
        await LiveServer.WaitUntilAsync(() => fanout.Subscribers == 1, "the first pump handed itself to the fan-out");
        await AppendAsync(log, 0, 10);
        await LiveServer.WaitUntilAsync(() => fanout.Rounds == 1, "the fan-out delivered the first append");

        // A second subscriber from offset 3: events 3..9 are behind the fan-out, so its pump reads them, then joins.
        var second = Channel.CreateBounded<LiveEvent>(1_000);
        var secondPump = PumpAsync(log, 3, second.Writer, TimeSpan.FromSeconds(30), cancel.Token);
        await LiveServer.WaitUntilAsync(() => fanout.Subscribers == 2, "the second pump joined at the head");
        await AppendAsync(log, 10, 5);

        Assert.Equal(Enumerable.Range(0, 15).Select(i => (long)i), await ReadOffsetsAsync(first.Reader, 15));
        Assert.Equal(Enumerable.Range(3, 12).Select(i => (long)i), await ReadOffsetsAsync(second.Reader, 12));
        await cancel.CancelAsync();
        await Task.WhenAll(firstPump, secondPump);
    }
}
