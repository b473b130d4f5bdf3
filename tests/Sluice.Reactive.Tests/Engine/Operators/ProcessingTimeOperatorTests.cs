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
}
