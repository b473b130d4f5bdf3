using Microsoft.Extensions.Time.Testing;
using Sluice.Reactive.Operators;
using Sluice.Reactive.Planning;
using Sluice.Reactive.Sql;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// The operator that puts the rows below a window on a PROCTIME() column [k, p_time] on processing time, driven row by
/// row with a fake clock: it sends a watermark each time the clock passes the end of a window still holding rows,
/// and asks the clock to wake it (NextDue) only while such a window is open.
/// </summary>
public sealed class ProcessingTimeOperatorTests
{
    private static readonly DateTimeOffset Noon = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider time = new(Noon);
    private readonly ProcessingTimeClock clock;
    private readonly ElementRecorder output = new();

    public ProcessingTimeOperatorTests() => clock = new ProcessingTimeClock(time);

    private ProcessingTimeSink Create(WindowKind kind, double sizeSeconds, double slideSeconds) =>
        new(output, new WindowSpec(kind, TimeSpan.FromSeconds(sizeSeconds), TimeSpan.FromSeconds(slideSeconds), TimeSpan.Zero), 1, clock);

    private static Element Row(string k, double secondsAfterNoon) => Element.Insert([k, Noon.UtcDateTime.AddSeconds(secondsAfterNoon)], 0);

    private void FireAt(double secondsAfterNoon)
    {
        time.SetUtcNow(Noon.AddSeconds(secondsAfterNoon));
        clock.Fire();
    }

    private List<double> WatermarksAfterNoon() =>
        output.Elements.Where(e => e.Kind == ElementKind.Watermark).Select(e => (e.Time - Noon.UtcTicks) / (double)TimeSpan.TicksPerSecond).ToList();

    [Fact]
    public void A_hop_row_keeps_the_clock_due_at_the_end_of_each_window_holding_it_until_the_last_one_closes()
    {
        var sink = Create(WindowKind.Hop, 10, 5);
        sink.OnNext(Row("a", 3)); // in [-5 s, 5 s) and [0 s, 10 s)
        Assert.Equal(Noon.UtcDateTime.AddSeconds(5), clock.NextDue);

        FireAt(5);
        Assert.Equal(Noon.UtcDateTime.AddSeconds(10), clock.NextDue);
        FireAt(10);
        Assert.Null(clock.NextDue);
        FireAt(20);
        Assert.Equal([5.0, 10.0], WatermarksAfterNoon());
    }

    [Fact]
    public void A_row_timed_before_the_last_close_passes_on_but_opens_no_window_to_wait_for()
    {
        var sink = Create(WindowKind.Tumble, 10, 10);
        sink.OnNext(Row("a", 3));
        FireAt(10);
        Assert.Null(clock.NextDue);

        // Its processing time was read before the close (PROCTIME() below a join, say): the windows above count it late.
        sink.OnNext(Row("late", 4));
        Assert.Null(clock.NextDue);
        FireAt(30);
        Assert.Equal([10.0], WatermarksAfterNoon());
        Assert.Equal(["+a|12:00:03.000", "+late|12:00:04.000"], output.Rows);
    }

    [Fact]
    public void A_time_that_cannot_be_read_faults_the_output_naming_the_window_time_column_and_the_clock_stops_waiting()
    {
        var sink = Create(WindowKind.Tumble, 10, 10);
        sink.OnNext(Row("a", 3));
        Assert.Equal(Noon.UtcDateTime.AddSeconds(10), clock.NextDue);
        sink.OnNext(Element.Insert(["b", "not a time"], 0));
        sink.OnNext(Row("c", 4));
        Assert.Equal(2, output.Log.Count);
        Assert.Contains("(in window time column)", output.Error!.Message, StringComparison.Ordinal);
        Assert.Null(clock.NextDue); // its window will never close: the host need not wake for it
    }

    [Fact]
    public void A_row_whose_arrival_closes_a_window_is_not_forwarded_when_that_close_disposed_the_pipeline()
    {
        ProcessingTimeSink? sink = null;
        var seen = new List<string>();
        var disposing = System.Reactive.Observer.Create<Element>(e =>
        {
            seen.Add(e.Kind == ElementKind.Watermark ? "wm" : (string)e.Row![0]!);
            if (e.Kind == ElementKind.Watermark) sink!.Dispose();
        });
        sink = new ProcessingTimeSink(disposing, new WindowSpec(WindowKind.Tumble, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), TimeSpan.Zero), 1, clock);
        sink.OnNext(Row("a", 3));
        sink.OnNext(Row("b", 12)); // closes [0 s, 10 s) first, and the watermark's receiver disposes the pipeline
        Assert.Equal(["a", "wm"], seen);
    }

    [Fact]
    public void A_row_timed_exactly_at_the_last_close_opens_its_window_and_keeps_the_clock_due()
    {
        var sink = Create(WindowKind.Tumble, 10, 10);
        sink.OnNext(Row("a", 3));
        FireAt(10);
        Assert.Null(clock.NextDue);
        sink.OnNext(Row("b", 10)); // in [10 s, 20 s), which is open: not late
        Assert.Equal(Noon.UtcDateTime.AddSeconds(20), clock.NextDue);
    }

    [Fact]
    public void A_row_timed_before_the_rows_waiting_makes_the_clock_due_at_its_own_earlier_window_end()
    {
        var sink = Create(WindowKind.Tumble, 10, 10);
        sink.OnNext(Row("a", 25));
        Assert.Equal(Noon.UtcDateTime.AddSeconds(30), clock.NextDue);
        sink.OnNext(Row("b", 15)); // read earlier (PROCTIME() below a join, say): [10 s, 20 s) closes first
        Assert.Equal(Noon.UtcDateTime.AddSeconds(20), clock.NextDue);
    }

    [Fact]
    public void Event_time_watermarks_stop_here_but_the_final_one_goes_on_before_the_completion()
    {
        var sink = Create(WindowKind.Tumble, 10, 10);
        sink.OnNext(Row("a", 3));
        sink.OnNext(Element.Watermark(Noon.UtcTicks + TimeSpan.FromSeconds(100).Ticks));
        sink.OnNext(Element.Watermark(Watermarks.Infinite)); // as a source sends it, before it completes
        Assert.Equal(["+a|12:00:03.000"], output.Rows);
        Assert.Equal(["wm@inf"], output.Watermarks);
        sink.OnCompleted();
        Assert.Equal(["wm@inf", "completed"], output.Log[^2..]);
    }
}
