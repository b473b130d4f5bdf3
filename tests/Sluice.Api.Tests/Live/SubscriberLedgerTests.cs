using System.Text;
using Sluice.Fanout;

namespace Sluice.Api.Tests.Live;

/// <summary>The fan-out client's per-subscriber check notices what it must: gaps, reordering, repeats, endings.</summary>
public sealed class SubscriberLedgerTests
{
    [Fact]
    public void A_gap_is_reported_and_the_subscriber_is_incomplete()
    {
        var ledger = new SubscriberLedger(total: 3, sampled: false);

        ledger.Read(Records(Item(0), Item(2)));

        Assert.Equal(2, ledger.Delivered);
        Assert.Equal(1, ledger.OutOfOrderEvents);
        Assert.False(ledger.Complete);
    }

    [Fact]
    public void A_reordered_or_repeated_event_is_reported_even_when_the_count_is_right()
    {
        var reordered = new SubscriberLedger(total: 3, sampled: false);
        var repeated = new SubscriberLedger(total: 3, sampled: false);

        reordered.Read(Records(Item(0), Item(2), Item(1)));
        repeated.Read(Records(Item(0), Item(1), Item(1)));

        Assert.Equal(3, reordered.Delivered);
        Assert.Equal(2, reordered.OutOfOrderEvents);
        Assert.False(reordered.Complete);
        Assert.Equal(1, repeated.OutOfOrderEvents);
        Assert.False(repeated.Complete);
    }

    [Fact]
    public void Records_split_over_several_messages_count_once_and_pings_are_not_events()
    {
        var finished = 0;
        var ledger = new SubscriberLedger(total: 2, sampled: true, () => finished++);

        ledger.Read(Records("{}"));
        ledger.Read(Records(Item(0, sentAtMs: FanoutClock.NowMs() - 5), "{\"type\":6}"));
        ledger.Read(Records(Item(1, sentAtMs: FanoutClock.NowMs() - 5)));

        Assert.True(ledger.HandshakeDone);
        Assert.True(ledger.Complete);
        Assert.Equal(1, finished);
        Assert.Equal(2, ledger.LatenciesMs.Count);
        Assert.All(ledger.LatenciesMs, ms => Assert.InRange(ms, 5, 60_000));
    }

    [Fact]
    public void An_ended_subscription_and_a_close_are_recorded_with_the_services_message()
    {
        var ended = new SubscriberLedger(total: 2, sampled: false);
        var closed = new SubscriberLedger(total: 2, sampled: false);

        ended.Read(Records(Item(0), "{\"type\":3,\"invocationId\":\"0\",\"error\":\"subscriber fell behind; resume from offset 1\"}"));
        closed.Read(Records("{\"type\":7,\"error\":\"Connection closed with an error.\",\"allowReconnect\":true}"));

        Assert.Equal("subscriber fell behind; resume from offset 1", ended.Error);
        Assert.False(ended.Complete);
        Assert.True(closed.Closed);
        Assert.Equal("Connection closed with an error.", closed.Error);
    }

    // As the service writes an event: SignalR's stream-item start, then the event's JSON (docs/live.md).
    private static string Item(long offset, double sentAtMs = 1) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{{\"type\":2,\"invocationId\":\"0\",\"item\":{{\"offset\":{offset},\"timestamp\":\"2026-12-01T10:00:00.000Z\",\"data\":{{\"i\":{offset},\"t\":{sentAtMs:F3}}}}}}}");

    private static byte[] Records(params string[] records) => Encoding.UTF8.GetBytes(string.Concat(records.Select(r => r + "\u001e")));
}
