namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// A GROUP BY whose results are all cheap to read (counts, an append-only MAX) keeps no emitted row for a group of fewer
/// than BoxedCounts.Cached rows and rebuilds it before the next change; a larger group keeps its row. Either way every
/// retraction must be exactly the row emitted before, also across that threshold and through retractions.
/// </summary>
public sealed class RebuiltLastRowTests
{
    [Fact]
    public void Each_retraction_is_the_row_emitted_before_while_a_group_grows_past_the_cached_counts()
    {
        using var run = new QueryRun("SELECT k, COUNT(*) AS n, COUNT(DISTINCT w) AS dw, MAX(w) AS top FROM u GROUP BY k");
        var lastInsert = new Dictionary<string, string>();
        for (var i = 0; i < 4_200; i++)
        {
            var key = i % 3 == 0 ? "small" : "large";
            var before = run.Rows.Count;
            run.Push(0, i * 0.001, key, (long)(i % 5), QueryRun.At(i * 0.001));
            var emitted = run.Rows.Skip(before).Select(r => (r.Op, Text: QueryRun.Render(r.Values))).ToList();
            if (lastInsert.TryGetValue(key, out var previous))
            {
                Assert.Equal(2, emitted.Count);
                Assert.Equal((ChangeOp.Delete, previous), emitted[0]);
            }
            Assert.Equal(ChangeOp.Insert, emitted[^1].Op);
            lastInsert[key] = emitted[^1].Text;
        }
        Assert.Equal(["large|2800|5|4", "small|1400|5|4"], run.Table());
    }

    [Fact]
    public void A_large_group_reuses_the_boxes_of_counts_that_did_not_change_and_retracts_exactly_what_it_emitted()
    {
        // 5,000 low rows, then 1,000 high ones: past BoxedCounts.Cached, 'low' stays 5,000 while 'n' and 'high' move, so
        // each new row boxes only what changed; the values must still be exact and every retraction the row emitted before.
        using var run = new QueryRun("""
            SELECT k, COUNT(*) AS n, COUNT(*) FILTER (WHERE w < 2) AS low, COUNT(*) FILTER (WHERE w >= 2) AS high,
                   COUNT(DISTINCT w) AS kinds
            FROM u GROUP BY k
            """);
        OutputRow? previous = null;
        for (var i = 0; i < 6_000; i++)
        {
            var before = run.Rows.Count;
            run.Push(0, i * 0.001, "g", i < 5_000 ? (long)(i % 2) : 2L + (i % 3), QueryRun.At(i * 0.001));
            var emitted = run.Rows.Skip(before).ToList();
            if (previous is { } last)
            {
                Assert.Equal(2, emitted.Count);
                Assert.Equal(ChangeOp.Delete, emitted[0].Op);
                Assert.Equal(QueryRun.Render(last.Values), QueryRun.Render(emitted[0].Values));
                if (i > 5_000) Assert.Same(last.Values[2], emitted[1].Values[2]); // 'low' (5,000) unchanged: the same box
            }
            var low = Math.Min(i + 1, 5_000);
            var kinds = i < 5_000 ? Math.Min(i + 1, 2L) : Math.Min(i - 4_997, 5L);
            Assert.Equal(new object?[] { "g", (long)(i + 1), (long)low, (long)(i + 1 - low), kinds }, emitted[^1].Values);
            previous = emitted[^1];
        }
        Assert.Equal(["g|6000|5000|1000|5"], run.Table());
    }

    [Fact]
    public void A_group_fed_by_an_updating_input_retracts_what_it_emitted_until_it_empties()
    {
        // The outer GROUP BY sees each inner count leave one group and join the next: retractions from upstream.
        using var run = new QueryRun("SELECT n, COUNT(*) AS keys FROM (SELECT k, COUNT(*) AS n FROM u GROUP BY k) c GROUP BY n");
        var counts = new Dictionary<string, long>();
        var keys = new[] { "a", "b", "a", "c", "a", "b", "d", "d", "a" };
        for (var i = 0; i < keys.Length; i++)
        {
            run.Push(0, i, keys[i], 1L, QueryRun.At(i));
            counts[keys[i]] = counts.GetValueOrDefault(keys[i]) + 1;
            var expected = counts.Values.GroupBy(n => n).Select(g => $"{g.Key}|{g.Count()}").Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, run.Table()); // Table() fails on a retraction of a row never inserted
        }
    }
}
