namespace Sluice.Reactive.Tests.Engine;

public sealed class WindowTests
{
    private const string TumbleCount = "SELECT k, COUNT(*) AS n, SUM(w) AS total, window_start, window_end FROM TUMBLE(u, ts, INTERVAL '10' SECOND) GROUP BY k, window_start, window_end";

    private static object?[] U(string k, long w, double seconds) => [k, w, QueryRun.At(seconds)];

    [Fact]
    public void A_tumbling_window_is_emitted_exactly_when_the_watermark_reaches_its_end()
    {
        using var run = new QueryRun(TumbleCount);
        Assert.False(run.Query.IsUpdating);
        run.Push(0, 1, U("a", 1, 1)).Push(0, 5, U("a", 2, 5)).Push(0, 9.999, U("b", 4, 9.999));
        Assert.Empty(run.Rows);
        run.Push(0, 10, U("a", 8, 10));
        Assert.Equal(["a|2|3|00:00:00.000|00:00:10.000", "b|1|4|00:00:00.000|00:00:10.000"], run.Rendered().Select(r => r[1..]));
        Assert.All(run.Rows, r => Assert.Equal(QueryRun.At(10), r.EventTime));
        Assert.Equal(QueryRun.At(10), run.Stats.Watermark);
    }

    [Fact]
    public void Completing_the_input_flushes_open_windows_and_completes()
    {
        using var run = new QueryRun(TumbleCount);
        run.Push(0, 1, U("a", 1, 1));
        Assert.Empty(run.Rows);
        run.CompleteAll();
        Assert.Equal(["+a|1|1|00:00:00.000|00:00:10.000"], run.Rendered());
        Assert.True(run.Completed);
        Assert.Equal(0, run.Stats.StateSize);
    }

    [Fact]
    public void An_empty_input_completes_without_rows()
    {
        using var run = new QueryRun(TumbleCount);
        run.CompleteAll();
        Assert.Empty(run.Rows);
        Assert.True(run.Completed);
        Assert.Null(run.Stats.Watermark);
    }

    [Fact]
    public void An_input_error_ends_the_output_with_that_error()
    {
        using var run = new QueryRun(TumbleCount);
        run.Push(0, 1, U("a", 1, 1));
        var boom = new InvalidOperationException("store failed");
        run.Inputs[0].OnError(boom);
        Assert.Same(boom, run.Error);
        Assert.Empty(run.Rows);
        Assert.False(run.Completed);
    }

    [Fact]
    public void Late_events_for_emitted_windows_are_dropped_and_counted()
    {
        using var run = new QueryRun("SELECT k, COUNT(*) AS n, window_end FROM TUMBLE(late, ts, INTERVAL '10' SECOND) GROUP BY k, window_end");
        run.Push(0, 1, ["a", 1L, QueryRun.At(1)]);
        run.Push(0, 16, ["a", 1L, QueryRun.At(16)]); // watermark 11 closes [0, 10)
        Assert.Equal(["+a|1|00:00:10.000"], run.Rendered());
        run.Push(0, 3, ["a", 1L, QueryRun.At(3)]); // late
        run.Push(0, 12, ["a", 1L, QueryRun.At(12)]); // behind the max but its window is open
        Assert.Equal(1, run.Stats.LateEvents);
        run.CompleteAll();
        Assert.Equal(["+a|1|00:00:10.000", "+a|2|00:00:20.000"], run.Rendered());
    }

    [Fact]
    public void State_stays_flat_on_a_never_ending_stream_and_is_released_when_windows_close()
    {
        using var run = new QueryRun(TumbleCount);
        long maxState = 0;
        for (var i = 0; i < 10_000; i++)
        {
            run.Push(0, i * 0.1, U("k" + (i % 7), 1, i * 0.1));
            maxState = Math.Max(maxState, run.Stats.StateSize);
        }
        Assert.True(maxState <= 14, $"state grew to {maxState}");
        Assert.False(run.Completed);
        run.CompleteAll();
        Assert.Equal(0, run.Stats.StateSize);
        Assert.Equal(100 * 7, run.Rows.Count);
    }

    [Fact]
    public void A_hop_window_counts_each_event_in_size_over_slide_windows()
    {
        using var run = new QueryRun("SELECT COUNT(*) AS n, window_start FROM HOP(u, ts, INTERVAL '2' SECOND, INTERVAL '6' SECOND) GROUP BY window_start");
        run.Push(0, 5, U("a", 1, 5));
        run.CompleteAll();
        Assert.Equal(["+1|00:00:00.000", "+1|00:00:02.000", "+1|00:00:04.000"], run.Rendered());
    }

    [Fact]
    public void Window_columns_without_aggregation_are_added_to_each_row()
    {
        using var run = new QueryRun("SELECT k, window_start, window_end FROM TUMBLE(u, ts, INTERVAL '10' SECOND) WHERE w > 0");
        run.Push(0, 12, U("a", 1, 12)).Push(0, 13, U("b", 0, 13));
        Assert.Equal(["+a|00:00:10.000|00:00:20.000"], run.Rendered());
        Assert.Equal(QueryRun.At(12), run.Rows[0].EventTime);
    }

    [Fact]
    public void Session_windows_close_after_the_gap_and_merge_when_an_event_bridges_them()
    {
        // The 'late' stream's watermark trails by 5 s, so events can arrive out of order.
        using var run = new QueryRun("SELECT k, COUNT(*) AS n, window_start, window_end FROM SESSION(late, ts, INTERVAL '5' SECOND) GROUP BY k, window_start, window_end");
        object?[] L(string k, double s) => [k, 1L, QueryRun.At(s)];
        run.Push(0, 1, L("a", 1)).Push(0, 3, L("a", 3));
        run.Push(0, 20, L("b", 20));
        Assert.Equal(["+a|2|00:00:01.000|00:00:08.000"], run.Rendered());
        run.Push(0, 30, L("a", 30)).Push(0, 36, L("a", 36));
        Assert.Equal(2, run.Stats.StateSize);
        run.Push(0, 33, L("a", 33));
        Assert.Equal(1, run.Stats.StateSize);
        run.CompleteAll();
        Assert.Equal(["+a|2|00:00:01.000|00:00:08.000", "+b|1|00:00:20.000|00:00:25.000", "+a|3|00:00:30.000|00:00:41.000"], run.Rendered());
        Assert.Equal(0, run.Stats.StateSize);
        Assert.Equal(QueryRun.At(41), run.Rows[^1].EventTime);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_session_aggregate_reads_no_row_cell_for_window_start_and_window_end(bool strict)
    {
        // The session operator fills window_start/window_end itself: the input rows have no such cells, so evaluating
        // those GROUP BY keys on a row would fail (faulting a strict query, or counting an error per row otherwise).
        using var run = new QueryRun("SELECT k, window_start, window_end, COUNT(*) AS n FROM SESSION(late, ts, INTERVAL '5' SECOND) GROUP BY k, window_start, window_end", strict);
        run.Push(0, 1, ["a", 1L, QueryRun.At(1)]).Push(0, 3, ["a", 2L, QueryRun.At(3)]);
        run.CompleteAll();
        Assert.Null(run.Error);
        Assert.Equal(0, run.Stats.RowErrors);
        Assert.Equal(["+a|00:00:01.000|00:00:08.000|2"], run.Rendered());
    }

    [Fact]
    public void Grouping_by_an_upstream_windows_columns_stays_windowed()
    {
        const string sql = "SELECT MAX(n) AS top, ws FROM (SELECT k, COUNT(*) AS n, window_start AS ws FROM TUMBLE(u, ts, INTERVAL '10' SECOND) GROUP BY k, window_start) c GROUP BY ws";
        using var run = new QueryRun(sql);
        Assert.False(run.Query.IsUpdating);
        run.Push(0, 1, U("a", 1, 1)).Push(0, 2, U("a", 1, 2)).Push(0, 3, U("b", 1, 3)).Push(0, 11, U("b", 1, 11));
        Assert.Equal(["+2|00:00:00.000"], run.Rendered());
        run.CompleteAll();
        Assert.Equal(["+2|00:00:00.000", "+1|00:00:10.000"], run.Rendered());
    }

    [Fact]
    public void Each_build_gets_its_own_state()
    {
        var query = QueryCompiler.Compile(TumbleCount, TestShapes.Instance);
        var first = new System.Reactive.Subjects.Subject<InputEvent>();
        var second = new System.Reactive.Subjects.Subject<InputEvent>();
        var firstRows = new List<OutputRow>();
        var secondRows = new List<OutputRow>();
        using var a = query.Build([first], new QueryStats()).Subscribe(firstRows.Add);
        using var b = query.Build([second], new QueryStats()).Subscribe(secondRows.Add);
        first.OnNext(new InputEvent(0, QueryRun.At(1), U("a", 1, 1)));
        first.OnCompleted();
        second.OnCompleted();
        Assert.Single(firstRows);
        Assert.Empty(secondRows);
    }
}
