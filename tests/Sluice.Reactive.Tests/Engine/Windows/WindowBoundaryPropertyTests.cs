namespace Sluice.Reactive.Tests.Engine.Windows;

/// <summary>
/// TUMBLE and HOP aggregates over events on a half-second grid, so many sit exactly at a window's start or end,
/// arriving out of order within the watermark delay: every window's row equals a direct computation over the events
/// in [window_start, window_end), through the fused slice operator and through the window table function followed by
/// a windowed GROUP BY alike.
/// </summary>
public sealed class WindowBoundaryPropertyTests
{
    private const string Aggregates = "COUNT(*) AS n, SUM(v) AS s, MIN(v) AS lo, MAX(v) AS hi, AVG(v) AS mean, COUNT(DISTINCT v % 3) AS d";

    public static TheoryData<int, string, double, double> Cases()
    {
        var data = new TheoryData<int, string, double, double>();
        foreach (var seed in new[] { 1, 2 })
        {
            data.Add(seed, $"SELECT k, {Aggregates}, window_start, window_end FROM TUMBLE(late, ts, INTERVAL '2' SECOND) GROUP BY k, window_start, window_end", 2, 2);
            data.Add(seed, $"SELECT k, {Aggregates}, window_start, window_end FROM HOP(late, ts, INTERVAL '1' SECOND, INTERVAL '3' SECOND) GROUP BY k, window_start, window_end", 3, 1);
            // Reading window_end in WHERE keeps the windowed rows apart from the aggregate: the unfused operators.
            data.Add(seed, $"SELECT k, {Aggregates}, window_start, window_end FROM TUMBLE(late, ts, INTERVAL '2' SECOND) WHERE window_end > window_start GROUP BY k, window_start, window_end", 2, 2);
            data.Add(seed, $"SELECT k, {Aggregates}, window_start, window_end FROM HOP(late, ts, INTERVAL '1' SECOND, INTERVAL '3' SECOND) WHERE window_end > window_start GROUP BY k, window_start, window_end", 3, 1);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_window_equals_the_direct_computation_over_its_half_open_range(int seed, string sql, double size, double slide)
    {
        var random = new Random(seed);
        var events = new List<(string K, long V, double T)>();
        var clock = 0.0;
        for (var i = 0; i < 1_500; i++)
        {
            clock += random.Next(4) == 0 ? 0.5 : 0;
            if (random.Next(100) == 0) clock += 6; // windows with no events
            var t = Math.Max(0, clock - (random.Next(9) * 0.5)); // up to 4 s behind: within the 5 s delay
            events.Add(("k" + random.Next(3), random.Next(-10, 50), t));
        }

        using var run = QueryRun.ToCompletion(sql, events);
        Assert.Equal(0, run.Stats.LateEvents);
        Assert.Equal(0, run.Stats.StateSize);
        Assert.All(run.Rows, r => Assert.Equal((DateTime)r.Values[^1]!, r.EventTime));

        var expected = new List<string>();
        for (var start = -size + slide; start <= events.Max(e => e.T); start += slide)
        {
            foreach (var group in events.Where(e => e.T >= start && e.T < start + size).GroupBy(e => e.K))
            {
                var values = group.Select(e => e.V).ToList();
                expected.Add(QueryRun.Render(
                [
                    group.Key, (long)values.Count, values.Sum(), values.Min(), values.Max(), (decimal)values.Sum() / values.Count,
                    (long)values.Select(v => v % 3).Distinct().Count(), QueryRun.At(start), QueryRun.At(start + size),
                ]));
            }
        }
        expected.Sort(StringComparer.Ordinal);
        Assert.Equal(expected, run.Table());
    }
}
