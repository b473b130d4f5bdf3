using Sluice.Reactive.Operators;
using Sluice.Reactive.Planning;
using Sluice.Reactive.Sql;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>The TUMBLE / HOP table function driven element by element over rows [k, ts]: each copy gets window_start and window_end.</summary>
public sealed class WindowAssignOperatorTests
{
    private readonly ElementRecorder output = new();
    private readonly QueryStats stats = new();

    private WindowAssignSink Create(double sizeSeconds, double slideSeconds) =>
        new(output, new WindowSpec(sizeSeconds == slideSeconds ? WindowKind.Tumble : WindowKind.Hop, TimeSpan.FromSeconds(sizeSeconds), TimeSpan.FromSeconds(slideSeconds), TimeSpan.Zero), 1, 2, stats);

    private static Element Event(DateTime time, string k = "a") => Element.Insert([k, time], time.Ticks);

    [Fact]
    public void An_event_at_a_window_start_is_in_that_window_and_not_the_one_ending_there()
    {
        var sink = Create(10, 10);
        sink.OnNext(Event(QueryRun.At(10)));
        sink.OnNext(Event(QueryRun.At(10).AddTicks(-1)));
        Assert.Equal(["+a|00:00:10.000|00:00:10.000|00:00:20.000@10", "+a|00:00:09.999|00:00:00.000|00:00:10.000@10"], output.Log);
    }

    [Fact]
    public void A_hop_event_at_a_slide_boundary_is_in_the_windows_starting_there_and_not_those_ending_there()
    {
        var sink = Create(6, 2);
        sink.OnNext(Event(QueryRun.At(4)));
        Assert.Equal(["+a|00:00:04.000|00:00:00.000|00:00:06.000", "+a|00:00:04.000|00:00:02.000|00:00:08.000", "+a|00:00:04.000|00:00:04.000|00:00:10.000"], output.Rows);
    }

    [Fact]
    public void Copies_for_windows_already_closed_are_dropped_and_the_event_counted_late_once()
    {
        var sink = Create(6, 2);
        sink.OnNext(E.Wm(8));
        sink.OnNext(Event(QueryRun.At(4.5))); // [0, 6) and [2, 8) closed, [4, 10) open
        Assert.Equal(["+a|00:00:04.500|00:00:04.000|00:00:10.000"], output.Rows);
        Assert.Equal(1, stats.LateEvents);
        sink.OnNext(Event(QueryRun.At(8))); // all open
        Assert.Equal(1, stats.LateEvents);
        Assert.Equal(4, output.Rows.Count);
    }

    [Fact]
    public void Retractions_are_windowed_like_inserts_and_keep_their_event_time()
    {
        var sink = Create(10, 10);
        sink.OnNext(Element.Delete(["a", QueryRun.At(3)], E.T(7)));
        Assert.Equal(["-a|00:00:03.000|00:00:00.000|00:00:10.000@7"], output.Log);
    }

    [Fact]
    public void Every_watermark_is_forwarded_and_rows_without_a_time_are_skipped()
    {
        var sink = Create(10, 10);
        sink.OnNext(E.Wm(5));
        sink.OnNext(E.Wm(3));
        sink.OnNext(Element.Insert(["a", null], E.T(6)));
        sink.OnNext(Event(QueryRun.At(5)));
        Assert.Equal(["wm@5", "wm@3", "+a|00:00:05.000|00:00:00.000|00:00:10.000@5"], output.Log);
        Assert.Equal(0, stats.LateEvents);
    }

    [Fact]
    public void An_unreadable_time_faults_the_output()
    {
        var sink = Create(10, 10);
        sink.OnNext(Element.Insert(["a", "never"], E.T(1)));
        sink.OnNext(Event(QueryRun.At(2)));
        Assert.Single(output.Log);
        Assert.Contains("window time column", output.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_input_completes_with_only_the_final_watermark()
    {
        var sink = Create(10, 10);
        sink.OnCompleted();
        Assert.Equal(["wm@inf", "completed"], output.Log);
    }
}
