namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// COUNT(DISTINCT x) under several FILTERs shares one table of x's values per group (Nexmark q15/q16): each aggregate
/// must still count exactly its own rows, through retractions and in windows.
/// </summary>
public sealed class SharedDistinctCountTests
{
    [Fact]
    public void Filtered_distinct_counts_of_one_value_follow_retractions_each_on_its_own()
    {
        using var run = new QueryRun("""
            SELECT COUNT(DISTINCT n) AS all_n, COUNT(DISTINCT n) FILTER (WHERE n > 1) AS big_n, COUNT(DISTINCT n) FILTER (WHERE n = 1) AS one_n
            FROM (SELECT k, COUNT(*) AS n FROM u GROUP BY k) c
            """);
        var expected = new[] { "1|0|1", "1|1|0", "2|1|1", "2|1|1", "2|2|0" };
        var pushes = new[] { "a", "a", "b", "a", "b" };
        for (var i = 0; i < pushes.Length; i++)
        {
            run.Push(0, i, pushes[i], 1L, QueryRun.At(i));
            Assert.Equal([expected[i]], run.Table());
        }
    }

    [Fact]
    public void Filtered_distinct_counts_in_hopping_windows_add_and_subtract_their_own_slices()
    {
        using var run = new QueryRun("""
            SELECT window_start, COUNT(DISTINCT w) AS all_w, COUNT(DISTINCT w) FILTER (WHERE k = 'x') AS x_w
            FROM HOP(u, ts, INTERVAL '1' SECOND, INTERVAL '2' SECOND) GROUP BY window_start
            """);
        run.Push(0, 0.5, "x", 1L, QueryRun.At(0.5)).Push(0, 0.6, "y", 2L, QueryRun.At(0.6))
            .Push(0, 1.5, "y", 1L, QueryRun.At(1.5)).Push(0, 2.5, "x", 3L, QueryRun.At(2.5));
        run.CompleteAll();
        Assert.Equal(
            ["23:59:59.000|2|1", "00:00:00.000|2|1", "00:00:01.000|2|1", "00:00:02.000|1|1"],
            run.Rows.Select(r => QueryRun.Render(r.Values)));
    }

    [Fact]
    public void More_filtered_distinct_counts_of_one_value_than_a_shared_table_holds_still_count_on_their_own()
    {
        using var run = new QueryRun("""
            SELECT COUNT(DISTINCT w) AS a, COUNT(DISTINCT w) FILTER (WHERE w > 1) AS b, COUNT(DISTINCT w) FILTER (WHERE w > 2) AS c,
                   COUNT(DISTINCT w) FILTER (WHERE w > 3) AS d, COUNT(DISTINCT w) FILTER (WHERE w > 4) AS e
            FROM u
            """);
        foreach (var w in new long[] { 1, 2, 3, 4, 5, 3, 5 })
        {
            run.Push(0, w, "k", w, QueryRun.At(w));
        }
        Assert.Equal(["5|4|3|2|1"], run.Table());
    }
}
