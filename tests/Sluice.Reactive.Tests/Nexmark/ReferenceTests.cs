using Sluice.Nexmark;
using Sluice.Nexmark.Reference;

namespace Sluice.Reactive.Tests.Nexmark;

/// <summary>The reference on hand-made events, where the answer is known, including window and BETWEEN edges.</summary>
public sealed class ReferenceTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static Bid BidAt(double seconds, long auction, long price) => new(auction, 1, price, "c", "u", T0.AddSeconds(seconds), "");

    [Fact]
    public void Windows_are_epoch_aligned_and_include_their_start_only()
    {
        Assert.Equal(T0, EventTimeWindows.TumbleStart(T0, TimeSpan.FromSeconds(10)));
        Assert.Equal(T0, EventTimeWindows.TumbleStart(T0.AddSeconds(9.999), TimeSpan.FromSeconds(10)));
        Assert.Equal(T0.AddSeconds(10), EventTimeWindows.TumbleStart(T0.AddSeconds(10), TimeSpan.FromSeconds(10)));
        Assert.Equal(
            [T0.AddSeconds(2), T0, T0.AddSeconds(-2), T0.AddSeconds(-4), T0.AddSeconds(-6)],
            EventTimeWindows.HopStarts(T0.AddSeconds(3), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Q7_includes_a_bid_at_exactly_the_window_end_with_the_windows_max_price()
    {
        NexmarkEvent[] events = [BidAt(1, 1, 50), BidAt(5, 2, 90), BidAt(10, 3, 90), BidAt(12, 4, 95)];
        var rows = ResultRows.Of(NexmarkReference.Q7(events));
        var expected = ResultRows.Of(
        [
            [2L, 90L, 1L, T0.AddSeconds(5)],
            [3L, 90L, 1L, T0.AddSeconds(10)],   // window [0,10) max 90; BETWEEN end-10s AND end includes t = 10 s
            [4L, 95L, 1L, T0.AddSeconds(12)],   // window [10,20) max 95
        ]);
        Assert.Null(ResultRows.Difference(expected, rows));
    }

    [Fact]
    public void Q4_counts_bids_between_auction_start_and_expiry_inclusive()
    {
        var auction = new Auction(1000, "i", "d", 1, 2, T0, T0.AddSeconds(2), 1000, 10, "");
        NexmarkEvent[] events = [auction, BidAt(0, 1000, 5), BidAt(2, 1000, 7), BidAt(2.001, 1000, 100)];
        var rows = NexmarkReference.Q4(events);
        Assert.Null(ResultRows.Difference(ResultRows.Of([[10L, 7m]]), ResultRows.Of(rows)));
    }

    [Fact]
    public void Q5_reports_every_auction_tied_for_the_most_bids_in_each_window()
    {
        NexmarkEvent[] events = [BidAt(0, 1, 1), BidAt(0.5, 2, 1), BidAt(1, 2, 1), BidAt(1.5, 1, 1)];
        // Every bid lies in the five windows starting at -8, -6, -4, -2, 0 s; both auctions have 2 bids in each.
        Assert.Equal(10, NexmarkReference.Q5(events).Count);
        Assert.All(NexmarkReference.Q5(events), row => Assert.Equal(2L, row[1]));
    }

    [Fact]
    public void Comparison_treats_decimal_scale_as_cosmetic_but_types_as_significant()
    {
        Assert.Null(ResultRows.Difference(ResultRows.Of([[1.50m]]), ResultRows.Of([[1.5m]])));
        Assert.NotNull(ResultRows.Difference(ResultRows.Of([[1.5m]]), ResultRows.Of([[1.5]])));
        var difference = ResultRows.Difference(ResultRows.Of([[1L], [1L]]), ResultRows.Of([[1L]]));
        Assert.Contains("1 missing", difference);
    }
}
