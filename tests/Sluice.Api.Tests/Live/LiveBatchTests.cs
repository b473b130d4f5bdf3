using System.Buffers;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using Sluice.Api.Infrastructure;
using Sluice.Api.Limits;
using Sluice.Api.Live;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Live;

/// <summary>
/// A subscription hands SignalR what its buffer holds as one batch, and the hub protocol writes it as one stream item per
/// event: the wire must be byte for byte what the JSON protocol wrote for those events sent one by one.
/// </summary>
public sealed class LiveBatchTests
{
    private static readonly DateTimeOffset Time = new(2026, 11, 30, 12, 0, 0, 250, TimeSpan.Zero);

    private static LiveEvent Event(long offset, string data) => LiveEvent.From(new StoredEvent(offset, Time, Time, Encoding.UTF8.GetBytes(data)));

    private static IOptions<JsonHubProtocolOptions> ApiJsonOptions()
    {
        var options = new JsonHubProtocolOptions();
        JsonDefaults.Configure(options.PayloadSerializerOptions);
        return Options.Create(options);
    }

    private static byte[] Written(IHubProtocol protocol, params HubMessage[] messages)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var message in messages)
        {
            protocol.WriteMessage(message, output);
        }
        return output.WrittenSpan.ToArray();
    }

    private static LiveBatch BatchOf(params LiveEvent[] events)
    {
        var channel = Channel.CreateUnbounded<LiveEvent>();
        foreach (var live in events)
        {
            channel.Writer.TryWrite(live);
        }
        Assert.True(new LiveBatchReader(channel.Reader, long.MaxValue).TryRead(out var batch));
        return batch;
    }

    [Theory]
    [InlineData("1")]
    [InlineData("42")]
    [InlineData("id \"quoted\" <tag> é")]
    public void A_batch_is_written_as_the_json_protocol_writes_each_event_alone(string invocationId)
    {
        LiveEvent[] events = [Event(7, """{"n":7}"""), Event(8, """{"op":"-","k":"x","n":8}"""), Event(9, """{"text":"a\u001eb é","nested":{"a":[1,2]}}""")];

        var batched = Written(new LiveHubProtocol(ApiJsonOptions()), new StreamItemMessage(invocationId, BatchOf(events)));

        var oneByOne = Written(new JsonHubProtocol(ApiJsonOptions()), [.. events.Select(e => new StreamItemMessage(invocationId, e))]);
        Assert.Equal(Encoding.UTF8.GetString(oneByOne), Encoding.UTF8.GetString(batched));
        Assert.Equal(3, batched.Count(b => b == 0x1e));
    }

    [Fact]
    public void The_same_batch_object_refilled_for_another_invocation_writes_that_invocation_id()
    {
        var protocol = new LiveHubProtocol(ApiJsonOptions());
        var batch = BatchOf(Event(1, """{"n":1}"""));

        var first = Encoding.UTF8.GetString(Written(protocol, new StreamItemMessage("1", batch)));
        var second = Encoding.UTF8.GetString(Written(protocol, new StreamItemMessage("2", batch)));

        Assert.StartsWith("""{"type":2,"invocationId":"1","item":{"offset":1,""", first, StringComparison.Ordinal);
        Assert.StartsWith("""{"type":2,"invocationId":"2","item":{"offset":1,""", second, StringComparison.Ordinal);
    }

    [Fact]
    public void Messages_other_than_batches_are_the_json_protocols_own()
    {
        var live = Event(3, """{"n":3}""");
        HubMessage[] messages =
        [
            new StreamItemMessage("5", live),
            CompletionMessage.WithError("5", "subscriber fell behind; resume from offset 4"),
            PingMessage.Instance,
            new InvocationMessage("target", ["a", 1]),
        ];

        Assert.Equal(Written(new JsonHubProtocol(ApiJsonOptions()), messages), Written(new LiveHubProtocol(ApiJsonOptions()), messages));
        Assert.Equal("json", new LiveHubProtocol(ApiJsonOptions()).Name);
    }

    [Fact]
    public void A_read_takes_every_buffered_event_in_order_up_to_the_byte_bound_and_leaves_the_rest()
    {
        var channel = Channel.CreateBounded<LiveEvent>(100);
        var events = Enumerable.Range(0, 10).Select(i => Event(i, $$"""{"n":{{i}},"pad":"{{new string('x', 50)}}"}""")).ToArray();
        foreach (var live in events)
        {
            Assert.True(channel.Writer.TryWrite(live));
        }
        // Room for four events of this size, not five.
        var reader = new LiveBatchReader(channel.Reader, 4 * events[0].Json.Length + 1);

        var offsets = new List<List<long>>();
        while (reader.TryRead(out var batch))
        {
            offsets.Add([.. batch.Events.Select(e => e.Offset)]);
        }

        Assert.Equal([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], offsets);
    }

    [Fact]
    public void An_event_larger_than_the_bound_is_sent_alone_and_an_empty_buffer_gives_no_batch()
    {
        var channel = Channel.CreateBounded<LiveEvent>(10);
        var big = Event(0, $$"""{"pad":"{{new string('x', 500)}}"}""");
        channel.Writer.TryWrite(big);
        channel.Writer.TryWrite(Event(1, """{"n":1}"""));
        var reader = new LiveBatchReader(channel.Reader, 100);

        Assert.True(reader.TryRead(out var first));
        Assert.Equal([0L], first.Events.Select(e => e.Offset));
        Assert.True(reader.TryRead(out var second));
        Assert.Equal([1L], second.Events.Select(e => e.Offset));
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public async Task Batches_give_every_byte_back_to_the_share_and_the_buffers_error_comes_after_its_events()
    {
        var budget = new SubscriberBudget(Options.Create(new LimitsOptions { SubscriberBytes = 1_000_000 }));
        using var share = budget.Join();
        var channel = Channel.CreateBounded<LiveEvent>(1_000);
        for (var i = 0; i < 600; i++)
        {
            var live = Event(i, $$"""{"n":{{i}}}""");
            Assert.True(share.TryTake(live.Json.Length));
            Assert.True(channel.Writer.TryWrite(live));
        }
        channel.Writer.TryComplete(new HubException("subscriber fell behind; resume from offset 600"));
        var reader = new LiveBatchReader(new BudgetedReader(channel.Reader, share), 64 * 1024);

        var offsets = new List<long>();
        var batches = 0;
        var error = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var batch in reader.ReadAllAsync())
            {
                batches++;
                Assert.InRange(batch.Events.Count, 1, LiveBatchReader.MaxBatchEvents);
                offsets.AddRange(batch.Events.Select(e => e.Offset));
            }
        });

        Assert.Equal(Enumerable.Range(0, 600).Select(i => (long)i), offsets);
        Assert.Equal(3, batches);
        Assert.Equal("subscriber fell behind; resume from offset 600", error.Message);
        Assert.Equal(0, share.Held);
        Assert.Equal(0, budget.Used);
    }
}
