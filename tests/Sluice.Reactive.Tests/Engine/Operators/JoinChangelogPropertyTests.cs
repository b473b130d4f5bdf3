using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// Random inserts and retractions on both sides of an inner or left join (rows [k, v], few keys, NULL keys, equal
/// rows, rows retracted and re-inserted): after every step, the changelog applied so far equals the join of what each
/// side holds at that point, computed as a nested loop.
/// </summary>
public sealed class JoinChangelogPropertyTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(4, true)]
    [InlineData(5, true)]
    public void A_join_over_changelogs_always_equals_the_join_of_the_live_rows(int seed, bool leftOuter)
    {
        var output = new ElementRecorder();
        var stats = new QueryStats();
        // Odd v on the right only matches left rows with v below it: a residual condition besides the key.
        var sink = new JoinSink(output, [E.Column(0)], [E.Column(0)], r => (long)r[1]! < (long)r[3]! || (long)r[3]! % 2 == 0, 2, 2, leftOuter, false, [], [], appendOnly: false, stats);
        var left = sink.LeftObserver;
        var right = sink.RightObserver;
        var random = new Random(seed);
        var liveLeft = new List<(string? K, long V)>();
        var liveRight = new List<(string? K, long V)>();
        for (var step = 0; step < 600; step++)
        {
            var isLeft = random.Next(2) == 0;
            var live = isLeft ? liveLeft : liveRight;
            Element element;
            if (live.Count > 0 && random.Next(3) == 0)
            {
                var gone = live[random.Next(live.Count)];
                live.Remove(gone);
                element = E.Del(step, gone.K, gone.V);
            }
            else
            {
                var row = (K: random.Next(8) == 0 ? null : "k" + random.Next(4), V: (long)random.Next(6));
                live.Add(row);
                element = E.Ins(step, row.K, row.V);
            }
            (isLeft ? left : right).OnNext(element);
            Assert.Null(output.Error);
            if (step % 25 == 0 || step == 599) Assert.Equal(Expected(liveLeft, liveRight, leftOuter), output.Table());
        }
        Assert.Equal(liveLeft.Count(r => r.K is not null) + liveRight.Count(r => r.K is not null), stats.StateSize);
    }

    private static List<string> Expected(List<(string? K, long V)> left, List<(string? K, long V)> right, bool leftOuter)
    {
        var rows = new List<string>();
        foreach (var l in left)
        {
            var partners = right.Where(r => l.K is not null && r.K == l.K && (l.V < r.V || r.V % 2 == 0)).ToList();
            rows.AddRange(partners.Select(r => QueryRun.Render([l.K, l.V, r.K, r.V])));
            if (leftOuter && partners.Count == 0) rows.Add(QueryRun.Render([l.K, l.V, null, null]));
        }
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }
}
