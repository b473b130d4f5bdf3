namespace Sluice.Reactive.Tests.Engine;

/// <summary>
/// A HOP aggregate whose aggregates can all be subtracted (COUNT, COUNT DISTINCT, integer SUM) keeps a running
/// table that adds each window's newest slice and subtracts released ones; with MIN in the list it merges every
/// window's slices instead. Both must give the rows a direct per-window computation gives.
/// </summary>
public sealed class HopWindowPropertyTests
{
    private const string Running =
        "SELECT k, COUNT(*) AS n, SUM(v) AS s, COUNT(DISTINCT v % 3) AS d, window_start, window_end " +
        "FROM HOP(late, ts, INTERVAL '2' SECOND, INTERVAL '6' SECOND) GROUP BY k, window_start, window_end";

    private const string Merged =
        "SELECT k, COUNT(*) AS n, SUM(v) AS s, COUNT(DISTINCT v % 3) AS d, window_start, window_end, MIN(v) AS lo " +
        "FROM HOP(late, ts, INTERVAL '2' SECOND, INTERVAL '6' SECOND) GROUP BY k, window_start, window_end";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Out_of_order_events_within_the_delay_give_every_windows_direct_count_and_sum(int seed)
    {
        // 'late' trails its watermark by 5 s and the jitter stays within that, so no event is late; quiet stretches
        // leave windows, and whole slices, without events.
        var events = new List<(string K, long V, double T)>();
        var random = new Random(seed);
        var clock = 0.0;
        for (var i = 0; i < 3_000; i++)
        {
            clock += random.Next(50) == 0 ? 7 + (random.NextDouble() * 10) : random.NextDouble() * 0.02;
            events.Add(("k" + random.Next(5), random.Next(-50, 1_000), Math.Max(0, clock - (random.NextDouble() * 4))));
        }

        using var running = QueryRun.ToCompletion(Running, events);
        Assert.Equal(0, running.Stats.LateEvents);

        var expected = new List<string>();
        var lastStart = (long)Math.Floor(events.Max(e => e.T));
        for (long start = -4; start <= lastStart; start += 2)
        {
            foreach (var group in events.Where(e => e.T >= start && e.T < start + 6).GroupBy(e => e.K))
            {
                var distinct = group.Select(e => e.V % 3).Distinct().Count();
                expected.Add(QueryRun.Render([group.Key, (long)group.Count(), group.Sum(e => e.V), (long)distinct, QueryRun.At(start), QueryRun.At(start + 6)]));
            }
        }
        expected.Sort(StringComparer.Ordinal);
        Assert.Equal(expected, running.Table());
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void With_late_events_and_gaps_the_running_table_equals_merging_each_windows_slices(int seed)
    {
        // Some events come up to 12 s behind: beyond the 5 s delay, so some of their windows are closed already
        // (counted as late, kept for the windows still open) or all of them are (dropped).
        var events = new List<(string K, long V, double T)>();
        var random = new Random(seed);
        var clock = 0.0;
        for (var i = 0; i < 3_000; i++)
        {
            clock += random.Next(40) == 0 ? 9 : random.NextDouble() * 0.02;
            var behind = random.Next(10) == 0 ? random.NextDouble() * 12 : random.NextDouble() * 4;
            events.Add(("k" + random.Next(8), random.Next(1_000), Math.Max(0, clock - behind)));
        }

        using var running = QueryRun.ToCompletion(Running, events);
        using var merged = QueryRun.ToCompletion(Merged, events);

        Assert.True(running.Stats.LateEvents > 0, "no event was late; the test would not reach the late paths");
        Assert.Equal(merged.Stats.LateEvents, running.Stats.LateEvents);
        var mergedWithoutMin = merged.Rows.Select(r => QueryRun.Render(r.Values[..^1])).Order(StringComparer.Ordinal);
        Assert.Equal(mergedWithoutMin, running.Table());
        Assert.Equal(0, running.Stats.StateSize);
    }
}
