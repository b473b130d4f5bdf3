using Microsoft.Extensions.Time.Testing;

namespace Sluice.Reactive.Tests.Engine.Windows;

/// <summary>
/// Windows on a PROCTIME() column (SPEC §4, Nexmark q12) close by the pipeline's clock, a fake one here, and not by
/// the inputs' event-time watermarks.
/// </summary>
public sealed class ProcessingTimeWindowTests
{
    private const string TumbleOnProcTime =
        "SELECT k, COUNT(*) AS n, window_start, window_end FROM TUMBLE((SELECT *, PROCTIME() AS p_time FROM u), p_time, INTERVAL '10' SECOND) GROUP BY k, window_start, window_end";

    private static readonly DateTimeOffset Noon = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static object?[] U(string k, long w, double seconds) => [k, w, QueryRun.At(seconds)];

    private static (FakeTimeProvider Time, ProcessingTimeClock Clock) FakeClock()
    {
        var time = new FakeTimeProvider(Noon);
        return (time, new ProcessingTimeClock(time));
    }

    [Fact]
    public void A_window_closes_when_the_clock_passes_its_end_with_no_input_at_all()
    {
        var (time, clock) = FakeClock();
        using var run = new QueryRun(TumbleOnProcTime, clock: clock);
        Assert.True(run.Query.UsesProcessingTime);
        Assert.Contains("TUMBLE(10s) on processing time", run.Query.Plan, StringComparison.Ordinal);
        Assert.Null(clock.NextDue);

        time.Advance(TimeSpan.FromSeconds(3));
        run.Push(0, 1, U("a", 1, 1)).Push(0, 2, U("a", 1, 2));
        time.Advance(TimeSpan.FromSeconds(4));
        run.Push(0, 3, U("b", 1, 3));
        Assert.Equal(Noon.UtcDateTime.AddSeconds(10), clock.NextDue);

        time.Advance(TimeSpan.FromSeconds(2.999));
        clock.Fire();
        Assert.Empty(run.Rows);

        time.Advance(TimeSpan.FromMilliseconds(1));
        clock.Fire();
        Assert.Equal(["+a|2|12:00:00.000|12:00:10.000", "+b|1|12:00:00.000|12:00:10.000"], run.Rendered().Order());
        Assert.All(run.Rows, r => Assert.Equal(Noon.UtcDateTime.AddSeconds(10), r.EventTime));
        Assert.Null(clock.NextDue);
        Assert.Equal(0, run.Stats.StateSize);
        Assert.False(run.Completed);
    }

    [Fact]
    public void Event_time_does_not_close_a_processing_time_window()
    {
        var (_, clock) = FakeClock();
        using var run = new QueryRun(TumbleOnProcTime, clock: clock);
        run.Push(0, 1, U("a", 1, 1)).Push(0, 3600, U("a", 1, 3600)).Push(0, 7200, U("b", 1, 7200));
        clock.Fire();
        Assert.Empty(run.Rows);
    }

    [Fact]
    public void A_row_processed_after_a_window_end_closes_that_window_before_opening_the_next()
    {
        var (time, clock) = FakeClock();
        using var run = new QueryRun(TumbleOnProcTime, clock: clock);
        run.Push(0, 1, U("a", 1, 1));
        time.Advance(TimeSpan.FromSeconds(12));
        run.Push(0, 2, U("a", 1, 2));
        Assert.Equal(["+a|1|12:00:00.000|12:00:10.000"], run.Rendered());

        run.CompleteAll();
        Assert.Equal(["+a|1|12:00:00.000|12:00:10.000", "+a|1|12:00:10.000|12:00:20.000"], run.Rendered());
        Assert.True(run.Completed);
    }

    [Fact]
    public void A_hop_window_on_processing_time_counts_each_row_in_every_window_that_holds_its_processing_time()
    {
        var (time, clock) = FakeClock();
        using var run = new QueryRun(
            "SELECT COUNT(*) AS n, window_start FROM HOP((SELECT k, PROCTIME() AS p FROM u), p, INTERVAL '5' SECOND, INTERVAL '10' SECOND) GROUP BY window_start",
            clock: clock);
        time.Advance(TimeSpan.FromSeconds(6));
        run.Push(0, 0, U("a", 1, 0));
        time.Advance(TimeSpan.FromSeconds(20));
        clock.Fire();
        Assert.Equal(["+1|12:00:00.000", "+1|12:00:05.000"], run.Rendered().Order());
    }

    [Fact]
    public void Proctime_in_a_select_list_reads_the_pipeline_clock()
    {
        var (time, clock) = FakeClock();
        using var run = new QueryRun("SELECT k, PROCTIME() AS seen FROM u", clock: clock);
        run.Push(0, 1, U("a", 1, 1));
        time.Advance(TimeSpan.FromMilliseconds(1500));
        run.Push(0, 2, U("b", 1, 2));
        Assert.Equal(["+a|12:00:00.000", "+b|12:00:01.500"], run.Rendered());
    }

    [Fact]
    public void The_clock_never_goes_back_even_when_its_provider_does()
    {
        var time = new SettableTime { Now = Noon };
        var clock = new ProcessingTimeClock(time);
        Assert.Equal(Noon.UtcDateTime, clock.Now());
        time.Now = Noon.AddSeconds(-30);
        Assert.Equal(Noon.UtcDateTime, clock.Now());
        time.Now = Noon.AddSeconds(1);
        Assert.Equal(Noon.UtcDateTime.AddSeconds(1), clock.Now());
    }

    [Fact]
    public void An_event_time_window_over_a_subquery_still_closes_by_the_watermark()
    {
        using var run = new QueryRun("SELECT COUNT(*) AS n, window_end FROM TUMBLE((SELECT k, ts FROM u WHERE w > 0), ts, INTERVAL '10' SECOND) GROUP BY window_end");
        Assert.False(run.Query.UsesProcessingTime);
        run.Push(0, 1, U("a", 1, 1)).Push(0, 2, U("a", 0, 2));
        Assert.Empty(run.Rows);
        run.Push(0, 10, U("a", 1, 10));
        Assert.Equal(["+1|00:00:10.000"], run.Rendered());
    }

    [Theory]
    [InlineData("SELECT k, COUNT(*) FROM SESSION((SELECT *, PROCTIME() AS p FROM u), p, INTERVAL '5' SECOND) GROUP BY k, window_start, window_end", "SESSION windows close by event time only")]
    [InlineData("SELECT COUNT(*) FROM TUMBLE((SELECT k, ts + INTERVAL '1' SECOND AS t2 FROM u), t2, INTERVAL '5' SECOND) GROUP BY window_end", "the rows' event time or PROCTIME()")]
    [InlineData("SELECT k, NOW() FROM u", "use PROCTIME()")]
    public void Unsupported_processing_time_forms_are_refused_with_what_to_write(string sql, string expected)
    {
        var error = Assert.Throws<QueryException>(() => QueryCompiler.Compile(sql, TestShapes.Instance));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    /// <summary>A wall clock that can be set backwards (FakeTimeProvider refuses to).</summary>
    private sealed class SettableTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
