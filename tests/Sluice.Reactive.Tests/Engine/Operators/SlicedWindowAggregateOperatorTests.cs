using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;
using Sluice.Reactive.Planning;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// GROUP BY k, window_start, window_end over TUMBLE or HOP, fused into slices, driven element by element over rows
/// [k, v, ts]; output rows are [k, window_start, window_end, COUNT(*), SUM(v)] (plus MIN(v) when asked, which turns
/// off the running table of a HOP) at event time window_end.
/// </summary>
public sealed class SlicedWindowAggregateOperatorTests
{
    private readonly ElementRecorder output = new();
    private readonly QueryStats stats = new();

    private SlicedWindowAggregateSink Create(double sizeSeconds, double slideSeconds, bool withMin = false)
    {
        var specs = new List<AggregateSpec>
        {
            new(new AggregateCall(AggregateKind.CountStar, null, false, SqlType.Bigint), null, false),
            new(new AggregateCall(AggregateKind.Sum, null, false, SqlType.Bigint), E.Column(1), false),
        };
        if (withMin) specs.Add(new(new AggregateCall(AggregateKind.Min, null, false, SqlType.Bigint), E.Column(1), false));
        return new SlicedWindowAggregateSink(output, 2, TimeSpan.FromSeconds(sizeSeconds).Ticks, TimeSpan.FromSeconds(slideSeconds).Ticks,
            [E.Column(0)], [0, SlicedWindowAggregateSink.WindowStartKey, SlicedWindowAggregateSink.WindowEndKey], [.. specs], stats, "window aggregate");
    }

    private static Element Event(double seconds, string k = "a", long v = 1) => Element.Insert([k, v, QueryRun.At(seconds)], E.T(seconds));

    private static Element EventAt(DateTime time, string k = "a", long v = 1) => Element.Insert([k, v, time], time.Ticks);

    [Fact]
    public void An_event_at_window_start_belongs_to_that_window_and_one_at_window_end_to_the_next()
    {
        var sink = Create(10, 10);
        sink.OnNext(Event(10, v: 1));
        sink.OnNext(Event(20, v: 100));
        sink.OnNext(EventAt(QueryRun.At(20).AddTicks(-1), v: 10));
        sink.OnCompleted();
        Assert.Equal(["+a|00:00:10.000|00:00:20.000|2|11@20", "+a|00:00:20.000|00:00:30.000|1|100@30", "wm@inf", "completed"], output.Log);
    }

    [Fact]
    public void A_window_is_emitted_when_the_watermark_reaches_its_end_not_a_tick_before()
    {
        var sink = Create(10, 10);
        sink.OnNext(Event(1));
        sink.OnNext(Element.Watermark(E.T(10) - 1));
        Assert.Empty(output.Rows);
        Assert.Single(output.Watermarks);
        sink.OnNext(E.Wm(10));
        Assert.Equal("+a|00:00:00.000|00:00:10.000|1|1@10", output.Log[1]);
        Assert.Equal("wm@10", output.Log[2]);
        Assert.Equal(0, stats.StateSize);
    }

    [Fact]
    public void After_a_window_closed_an_event_a_tick_before_its_end_is_late_and_one_at_its_end_is_not()
    {
        var sink = Create(10, 10);
        sink.OnNext(Event(1));
        sink.OnNext(E.Wm(10));
        sink.OnNext(EventAt(QueryRun.At(10).AddTicks(-1)));
        Assert.Equal(1, stats.LateEvents);
        Assert.Equal(0, stats.StateSize);
        sink.OnNext(Event(10));
        Assert.Equal(1, stats.LateEvents);
        sink.OnNext(E.Wm(20));
        Assert.Equal(["+a|00:00:00.000|00:00:10.000|1|1", "+a|00:00:10.000|00:00:20.000|1|1"], output.Rows);
    }

    [Fact]
    public void A_watermark_inside_a_window_closes_the_windows_before_it_even_without_events()
    {
        var sink = Create(10, 10);
        sink.OnNext(E.Wm(25));
        sink.OnNext(Event(19.999));
        sink.OnNext(Event(21));
        Assert.Equal(1, stats.LateEvents);
        sink.OnCompleted();
        Assert.Equal(["+a|00:00:20.000|00:00:30.000|1|1"], output.Rows);
    }

    [Fact]
    public void A_hop_event_counts_in_every_window_that_contains_it_from_its_start_up_to_its_end()
    {
        var sink = Create(6, 2);
        sink.OnNext(Event(4, v: 1)); // windows [0, 6), [2, 8), [4, 10)
        sink.OnNext(Event(6, v: 10)); // [2, 8), [4, 10), [6, 12)
        sink.OnCompleted();
        Assert.Equal(
        [
            "+a|00:00:00.000|00:00:06.000|1|1@6",
            "+a|00:00:02.000|00:00:08.000|2|11@8",
            "+a|00:00:04.000|00:00:10.000|2|11@10",
            "+a|00:00:06.000|00:00:12.000|1|10@12",
            "wm@inf",
            "completed",
        ], output.Log);
        Assert.Equal(0, stats.StateSize);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_hop_event_whose_first_window_closed_is_counted_late_and_kept_for_the_open_ones(bool withMin)
    {
        var sink = Create(6, 2, withMin);
        sink.OnNext(Event(1));
        sink.OnNext(E.Wm(9.999));
        sink.OnNext(Event(8.5, v: 5)); // windows [4, 10), [6, 12), [8, 14): none closed
        Assert.Equal(0, stats.LateEvents);
        sink.OnNext(E.Wm(10));
        sink.OnNext(Event(8.7, v: 7)); // [4, 10) closed: late for it, kept for the others
        Assert.Equal(1, stats.LateEvents);
        sink.OnNext(Event(5, v: 100)); // [0, 6), [2, 8), [4, 10) all closed: dropped
        Assert.Equal(2, stats.LateEvents);
        sink.OnCompleted();
        var rows = output.Rows.Where(r => r.Contains("|00:00:1", StringComparison.Ordinal)).Select(r => string.Join('|', r.Split('|')[..5])).ToList();
        Assert.Equal(["+a|00:00:04.000|00:00:10.000|1|5", "+a|00:00:06.000|00:00:12.000|2|12", "+a|00:00:08.000|00:00:14.000|2|12"], rows);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_hop_group_that_leaves_every_window_and_comes_back_starts_from_nothing(bool withMin)
    {
        var sink = Create(4, 2, withMin);
        sink.OnNext(Event(1, "a", 1));
        sink.OnNext(Event(1, "b", 2));
        sink.OnNext(Event(3, "b", 3));
        sink.OnNext(Event(9, "a", 4));
        sink.OnNext(Event(9, "b", 5));
        sink.OnCompleted();
        Assert.Equal(
        [
            "+a|00:00:00.000|00:00:04.000|1|1", "+a|00:00:06.000|00:00:10.000|1|4", "+a|00:00:08.000|00:00:12.000|1|4",
            "+a|23:59:58.000|00:00:02.000|1|1", "+b|00:00:00.000|00:00:04.000|2|5", "+b|00:00:02.000|00:00:06.000|1|3",
            "+b|00:00:06.000|00:00:10.000|1|5", "+b|00:00:08.000|00:00:12.000|1|5", "+b|23:59:58.000|00:00:02.000|1|2",
        ], output.Rows.Select(r => string.Join('|', r.Split('|')[..5])).Order(StringComparer.Ordinal));
        Assert.Equal(0, stats.StateSize);
    }

    [Fact]
    public void Rows_go_out_at_the_window_end_and_the_watermark_after_them_only_when_it_advances()
    {
        var sink = Create(10, 10);
        sink.OnNext(Event(1, "a"));
        sink.OnNext(Event(2, "b"));
        sink.OnNext(Event(12, "a"));
        sink.OnNext(E.Wm(15));
        sink.OnNext(E.Wm(15));
        sink.OnNext(E.Wm(14));
        Assert.Equal(["+a|00:00:00.000|00:00:10.000|1|1@10", "+b|00:00:00.000|00:00:10.000|1|1@10", "wm@15"], output.Log);
        Assert.Equal(1, stats.StateSize);
    }

    [Fact]
    public void Rows_without_a_time_and_retractions_are_ignored_and_text_times_are_read()
    {
        var sink = Create(10, 10);
        sink.OnNext(Element.Insert(["a", 1L, null], E.T(1)));
        sink.OnNext(Element.Delete(["a", 1L, QueryRun.At(1)], E.T(1)));
        sink.OnNext(Element.Insert(["a", 7L, "2024-01-01T00:00:03Z"], E.T(3)));
        sink.OnCompleted();
        Assert.Equal(["+a|00:00:00.000|00:00:10.000|1|7"], output.Rows);
    }

    [Fact]
    public void A_time_that_cannot_be_read_faults_the_output()
    {
        var sink = Create(10, 10);
        sink.OnNext(Element.Insert(["a", 1L, "soon"], E.T(1)));
        sink.OnNext(Event(2));
        Assert.Single(output.Log);
        Assert.Contains("(in window aggregate)", output.Error!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false)] // the running table adds the second slice
    [InlineData(true, false)] // MIN turns the running table off: the window merges its slices
    [InlineData(false, true)]
    [InlineData(true, true)] // closed by the final watermark: the output ends with the error, not also completed
    public void A_hop_whose_sum_overflows_only_when_its_slices_merge_faults_and_forwards_nothing_after(bool withMin, bool byCompletion)
    {
        var sink = Create(4, 2, withMin);
        sink.OnNext(Event(1, v: long.MaxValue));
        sink.OnNext(Event(3, v: 1));
        // [-2 s, 2 s) holds the first slice alone; [0 s, 4 s) adds the second and overflows.
        if (byCompletion) sink.OnCompleted();
        else sink.OnNext(E.Wm(4));
        sink.OnNext(E.Wm(10));
        sink.OnCompleted();
        Assert.Equal(2, output.Log.Count);
        Assert.StartsWith("+a|", output.Log[0], StringComparison.Ordinal);
        Assert.Equal("error: Numeric overflow (in window aggregate)", output.Log[1]);
    }

    [Fact]
    public void An_empty_input_completes_with_only_the_final_watermark()
    {
        var sink = Create(6, 2);
        sink.OnCompleted();
        Assert.Equal(["wm@inf", "completed"], output.Log);
    }

    [Fact]
    public void A_never_ending_input_keeps_state_to_the_open_windows()
    {
        var sink = Create(6, 2);
        long max = 0;
        for (var i = 0; i < 2_000; i++)
        {
            sink.OnNext(Event(i * 0.1, "k" + (i % 5)));
            sink.OnNext(E.Wm(i * 0.1));
            max = Math.Max(max, stats.StateSize);
        }
        Assert.False(output.Completed);
        // 4 slices of 5 keys plus the running table's 5 groups.
        Assert.InRange(max, 5, 25);
        Assert.Equal(0, stats.LateEvents);
    }
}
