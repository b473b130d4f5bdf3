namespace Sluice.Reactive.Tests.Engine.Windows;

/// <summary>
/// SESSION windows over events on a half-second grid (so gaps of exactly the session gap are common), arriving out
/// of order within the watermark delay: the sessions equal a direct computation that sorts each key's events and
/// starts a new session wherever two neighbours are more than the gap apart.
/// </summary>
public sealed class SessionWindowPropertyTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Sessions_equal_the_direct_split_at_gaps_longer_than_the_gap(int seed)
    {
        const string sql = "SELECT k, COUNT(*) AS n, SUM(v) AS s, MIN(v) AS lo, MAX(v) AS hi, window_start, window_end FROM SESSION(late, ts, INTERVAL '2' SECOND) GROUP BY k, window_start, window_end";
        var random = new Random(seed);
        var events = new List<(string K, long V, double T)>();
        var clock = 0.0;
        for (var i = 0; i < 1_000; i++)
        {
            clock += random.Next(3) * 0.5;
            var t = Math.Max(0, clock - (random.Next(7) * 0.5)); // up to 3 s behind: t + gap stays ahead of the 5 s delay
            events.Add(("k" + random.Next(4), random.Next(100), t));
        }

        using var run = QueryRun.ToCompletion(sql, events);
        Assert.Equal(0, run.Stats.LateEvents);
        Assert.Equal(0, run.Stats.StateSize);
        Assert.All(run.Rows, r => Assert.Equal((DateTime)r.Values[^1]!, r.EventTime));

        var expected = new List<string>();
        foreach (var key in events.GroupBy(e => e.K))
        {
            var sorted = key.OrderBy(e => e.T).ToList();
            var session = new List<(string K, long V, double T)>();
            foreach (var e in sorted)
            {
                if (session.Count > 0 && e.T - session[^1].T > 2)
                {
                    expected.Add(Render(session));
                    session.Clear();
                }
                session.Add(e);
            }
            expected.Add(Render(session));
        }
        expected.Sort(StringComparer.Ordinal);
        Assert.Equal(expected, run.Table());
    }

    private static string Render(List<(string K, long V, double T)> session) => QueryRun.Render(
    [
        session[0].K, (long)session.Count, session.Sum(e => e.V), session.Min(e => e.V), session.Max(e => e.V),
        QueryRun.At(session[0].T), QueryRun.At(session[^1].T + 2),
    ]);
}
