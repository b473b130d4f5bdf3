namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// MIN and MAX over values that compare equal but print differently (2.0, 2.00, 2.000): the first to arrive stays the
/// result, in a running GROUP BY and in windows (a hopping window merging its slices in time order).
/// </summary>
public sealed class MinMaxTieTests
{
    private static object?[] T(string k, decimal m, double seconds) => [k, null, null, m, null, QueryRun.At(seconds), null];

    [Theory]
    [InlineData("SELECT k, MIN(m) AS lo, MAX(m) AS hi, COUNT(*) AS n FROM t GROUP BY k")]
    [InlineData("SELECT k, MIN(m) AS lo, MAX(m) AS hi, COUNT(*) AS n FROM TUMBLE(t, ts, INTERVAL '10' SECOND) GROUP BY k, window_start")]
    public void Min_and_max_of_equal_values_written_differently_give_the_first_that_arrived(string sql)
    {
        using var run = new QueryRun(sql);
        run.Push(0, 1, T("a", 2.0m, 1)).Push(0, 2, T("a", 2.00m, 2)).Push(0, 3, T("a", 2.000m, 3));
        run.CompleteAll();
        // COUNT(*) changes with every event, so the running GROUP BY emits its row (MIN and MAX included) each time.
        Assert.Equal(["a|2.0|2.0|3"], run.Table());
    }

    [Fact]
    public void A_hopping_window_gives_the_first_of_its_equal_values_across_slices()
    {
        using var run = new QueryRun("SELECT window_start, MIN(m) AS lo, MAX(m) AS hi FROM HOP(t, ts, INTERVAL '2' SECOND, INTERVAL '10' SECOND) GROUP BY window_start");
        run.Push(0, 1, T("a", 2.0m, 1)).Push(0, 2, T("a", 2.00m, 2)).Push(0, 3, T("a", 2.000m, 3));
        run.CompleteAll();
        // Windows starting at -8 s to 0 s hold the event at 1 s; the one starting at 2 s only those at 2 s and 3 s.
        Assert.Equal(
            ["00:00:00.000|2.0|2.0", "00:00:02.000|2.00|2.00", "23:59:52.000|2.0|2.0", "23:59:54.000|2.0|2.0", "23:59:56.000|2.0|2.0",
             "23:59:58.000|2.0|2.0"],
            run.Table());
    }
}
