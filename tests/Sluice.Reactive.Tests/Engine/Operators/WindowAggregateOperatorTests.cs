using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Expressions;
using Sluice.Reactive.Operators;
using Sluice.Reactive.Planning;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// GROUP BY an upstream window's window_start (10 s windows) and k, driven element by element over rows
/// [window_start, k, v]; output rows are [window_start, k, COUNT(*), SUM(v)] at event time window_end.
/// </summary>
public sealed class WindowAggregateOperatorTests
{
    private readonly ElementRecorder output = new();
    private readonly QueryStats stats = new();
    private readonly WindowAggregateSink sink;

    public WindowAggregateOperatorTests()
    {
        AggregateSpec[] specs =
        [
            new(new AggregateCall(AggregateKind.CountStar, null, false, SqlType.Bigint), null, false),
            new(new AggregateCall(AggregateKind.Sum, null, false, SqlType.Bigint), E.Column(2), false),
        ];
        sink = new WindowAggregateSink(output, [E.Column(0), E.Column(1)], 0, TimeSpan.FromSeconds(10).Ticks, specs, stats, "aggregate");
    }

    private static Element Row(double windowStart, string k, long v, double time) => Element.Insert([QueryRun.At(windowStart), k, v], E.T(time));

    [Fact]
    public void A_window_is_emitted_once_when_the_watermark_reaches_its_end_then_released()
    {
        sink.OnNext(Row(0, "a", 1, 1));
        sink.OnNext(Row(0, "a", 2, 2));
        sink.OnNext(Row(0, "b", 4, 3));
        sink.OnNext(Row(10, "a", 8, 11));
        Assert.Equal(3, stats.StateSize);
        sink.OnNext(Element.Watermark(E.T(10) - 1));
        Assert.Empty(output.Rows);
        sink.OnNext(E.Wm(10));
        Assert.Equal(["+00:00:00.000|a|2|3@10", "+00:00:00.000|b|1|4@10", "wm@10"], output.Log.Skip(1));
        Assert.Equal(1, stats.StateSize);
        sink.OnNext(E.Wm(10));
        Assert.Equal(4, output.Log.Count);
    }

    [Fact]
    public void A_row_for_a_window_whose_end_the_watermark_has_reached_is_late()
    {
        sink.OnNext(E.Wm(10));
        sink.OnNext(Row(0, "a", 1, 9));
        Assert.Equal(1, stats.LateEvents);
        sink.OnNext(Row(10, "a", 1, 10));
        Assert.Equal(1, stats.LateEvents);
        sink.OnNext(E.Wm(30));
        Assert.Equal(["+00:00:10.000|a|1|1"], output.Rows);
    }

    [Fact]
    public void Windows_close_in_order_of_their_end_whatever_order_they_opened_in()
    {
        sink.OnNext(Row(20, "a", 1, 21));
        sink.OnNext(Row(0, "a", 2, 5));
        sink.OnNext(Row(10, "a", 3, 15));
        sink.OnCompleted();
        Assert.Equal(["+00:00:00.000|a|1|2@10", "+00:00:10.000|a|1|3@20", "+00:00:20.000|a|1|1@30", "wm@inf", "completed"], output.Log);
        Assert.Equal(0, stats.StateSize);
    }

    [Fact]
    public void Window_values_given_as_text_are_read_and_null_ones_skipped()
    {
        sink.OnNext(Element.Insert(["2024-01-01T00:00:05Z", "a", 1L], E.T(5)));
        sink.OnNext(Element.Insert([null, "a", 1L], E.T(5)));
        sink.OnCompleted();
        Assert.Equal(["+2024-01-01T00:00:05Z|a|1|1"], output.Rows);
        Assert.Equal("@15", output.Log[0][output.Log[0].IndexOf('@', StringComparison.Ordinal)..]);
    }

    [Fact]
    public void A_retraction_faults_the_output()
    {
        sink.OnNext(Element.Delete([QueryRun.At(0), "a", 1L], E.T(1)));
        sink.OnNext(Row(0, "a", 1, 1));
        Assert.IsType<SqlEvaluationException>(output.Error);
        Assert.Contains("retraction", output.Error!.Message, StringComparison.Ordinal);
        Assert.Single(output.Log);
    }

    [Fact]
    public void An_unreadable_window_value_faults_the_output()
    {
        sink.OnNext(Element.Insert(["later", "a", 1L], E.T(1)));
        Assert.Contains("(in aggregate)", output.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_input_completes_with_only_the_final_watermark()
    {
        sink.OnCompleted();
        Assert.Equal(["wm@inf", "completed"], output.Log);
    }
}
