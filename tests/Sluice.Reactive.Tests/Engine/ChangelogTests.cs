namespace Sluice.Reactive.Tests.Engine;

public sealed class ChangelogTests
{
    private static object?[] U(string k, long w, double seconds) => [k, w, QueryRun.At(seconds)];

    private static object?[] T(string k, long v, double seconds) => [k, v, null, null, null, QueryRun.At(seconds), null];

    [Fact]
    public void Group_by_without_a_window_retracts_the_previous_row_of_a_group()
    {
        using var run = new QueryRun("SELECT k, COUNT(*) AS n, SUM(w) AS total FROM u GROUP BY k");
        Assert.True(run.Query.IsUpdating);
        run.Push(0, 1, U("a", 5, 1)).Push(0, 2, U("b", 1, 2)).Push(0, 3, U("a", 2, 3));
        Assert.Equal(["+a|1|5", "+b|1|1", "-a|1|5", "+a|2|7"], run.Rendered());
        Assert.Equal(QueryRun.At(3), run.Rows[^1].EventTime);
        Assert.Equal(ChangeOp.Delete, run.Rows[2].Op);
    }

    [Fact]
    public void An_aggregate_that_does_not_change_emits_nothing()
    {
        using var run = new QueryRun("SELECT k, MAX(w) AS top FROM u GROUP BY k");
        run.Push(0, 1, U("a", 5, 1)).Push(0, 2, U("a", 3, 2));
        Assert.Equal(["+a|5"], run.Rendered());
    }

    [Fact]
    public void Nested_aggregates_apply_retractions_from_below()
    {
        // The q4 shape: AVG over MAX per key. Changing a max must move the average, not double count.
        using var run = new QueryRun("SELECT g, AVG(top) AS mean, COUNT(*) AS n FROM (SELECT k, MAX(w) AS top, SUBSTRING(k, 1, 1) AS g FROM u GROUP BY k) q GROUP BY g");
        Assert.True(run.Query.IsUpdating);
        run.Push(0, 1, U("x1", 10, 1)).Push(0, 2, U("x2", 20, 2)).Push(0, 3, U("x1", 40, 3)).Push(0, 4, U("y1", 1, 4));
        Assert.Equal(["x|30|2", "y|1|1"], run.Table());
    }

    [Fact]
    public void Min_and_max_over_a_changelog_recover_the_next_best_value()
    {
        using var run = new QueryRun("SELECT MIN(n) AS low, MAX(n) AS high FROM (SELECT k, COUNT(*) AS n FROM u GROUP BY k) c");
        run.Push(0, 1, U("a", 0, 1)).Push(0, 1, U("b", 0, 1)).Push(0, 1, U("b", 0, 1)).Push(0, 1, U("a", 0, 1)).Push(0, 1, U("a", 0, 1));
        Assert.Equal(["2|3"], run.Table());
    }

    [Fact]
    public void Having_filters_a_changelog_consistently()
    {
        using var run = new QueryRun("SELECT k, COUNT(*) AS n FROM u GROUP BY k HAVING COUNT(*) >= 2");
        run.Push(0, 1, U("a", 0, 1)).Push(0, 2, U("a", 0, 2)).Push(0, 3, U("a", 0, 3)).Push(0, 4, U("b", 0, 4));
        Assert.Equal(["+a|2", "-a|2", "+a|3"], run.Rendered());
    }

    [Fact]
    public void A_global_aggregate_is_one_updating_row()
    {
        using var run = new QueryRun("SELECT COUNT(*) AS n, COUNT(DISTINCT k) AS keys FROM u");
        run.Push(0, 1, U("a", 0, 1)).Push(0, 2, U("a", 0, 2)).Push(0, 3, U("b", 0, 3));
        Assert.Equal(["3|2"], run.Table());
    }

    [Fact]
    public void Left_join_emits_padded_rows_and_retracts_them_when_a_match_arrives()
    {
        using var run = new QueryRun("SELECT A.k, A.w, B.v FROM u A LEFT JOIN t B ON A.k = B.k");
        Assert.True(run.Query.IsUpdating);
        run.Push(0, 1, U("a", 1, 1));
        Assert.Equal(["+a|1|null"], run.Rendered());
        run.Push(1, 2, T("a", 10, 2));
        run.Push(1, 3, T("a", 20, 3));
        Assert.Equal(["+a|1|null", "-a|1|null", "+a|1|10", "+a|1|20"], run.Rendered());
        run.Push(0, 4, U("b", 2, 4));
        Assert.Equal(["a|1|10", "a|1|20", "b|2|null"], run.Table());
    }

    [Fact]
    public void Left_join_over_a_changelog_restores_the_padded_row_when_the_last_match_leaves()
    {
        using var run = new QueryRun("SELECT A.k, B.n FROM u A LEFT JOIN (SELECT k, COUNT(*) AS n FROM t GROUP BY k) B ON A.k = B.k");
        run.Push(0, 1, U("a", 1, 1));
        run.Push(1, 2, T("a", 0, 2));
        run.Push(1, 3, T("a", 0, 3));
        Assert.Equal(["a|2"], run.Table());
        Assert.Equal(["+a|null", "-a|null", "+a|1", "-a|1", "+a|null", "-a|null", "+a|2"], run.Rendered());
    }

    [Fact]
    public void Inner_join_of_append_only_inputs_is_append_only_and_matches_either_order()
    {
        using var run = new QueryRun("SELECT A.k, A.w, B.v FROM u A JOIN t B ON A.k = B.k WHERE B.v > 0");
        Assert.False(run.Query.IsUpdating);
        run.Push(1, 1, T("a", 5, 1)).Push(1, 1, T("a", 0, 1)).Push(0, 2, U("a", 1, 2)).Push(1, 3, T("a", 7, 3)).Push(0, 3, U("c", 1, 3));
        Assert.Equal(["+a|1|5", "+a|1|7"], run.Rendered());
        Assert.Equal(QueryRun.At(2), run.Rows[0].EventTime);
    }

    [Fact]
    public void Null_join_keys_match_nothing()
    {
        using var run = new QueryRun("SELECT A.w, B.v FROM u A JOIN t B ON A.k = B.k");
        run.Push(0, 1, [null, 1L, QueryRun.At(1)]).Push(1, 1, T(null!, 1, 1));
        Assert.Empty(run.Rows);
    }

    [Fact]
    public void Interval_join_releases_rows_once_no_partner_can_arrive()
    {
        using var run = new QueryRun("SELECT A.k, A.w, B.v FROM u A JOIN t B ON A.k = B.k AND A.ts BETWEEN B.ts - INTERVAL '5' SECOND AND B.ts");
        Assert.False(run.Query.IsUpdating);
        run.Push(0, 1, U("a", 1, 1));
        run.Push(1, 4, T("a", 10, 4)); // 1 in [-1, 4]: match
        run.Push(1, 7, T("a", 20, 7)); // 1 not in [2, 7]
        Assert.Equal(["+a|1|10"], run.Rendered());
        // A rows wait for B rows up to 5 s later: a@1 went when B's watermark passed 6.
        Assert.Equal(2, run.Stats.StateSize);
        // B rows wait for A rows up to their own time: b@4 and b@7 go when A's watermark passes them.
        run.Push(0, 8, U("x", 0, 8));
        Assert.Equal(1, run.Stats.StateSize);
        run.Push(1, 8, T("x", 0, 8));
        Assert.Equal(2, run.Stats.StateSize);
        Assert.Equal(["+a|1|10", "+x|0|0"], run.Rendered());
        run.CompleteAll();
        Assert.Equal(0, run.Stats.StateSize);
        Assert.True(run.Completed);
    }

    [Fact]
    public void Join_output_completes_only_when_both_inputs_complete()
    {
        using var run = new QueryRun("SELECT A.k FROM u A JOIN t B ON A.k = B.k");
        run.Inputs[0].OnCompleted();
        Assert.False(run.Completed);
        run.Inputs[1].OnCompleted();
        Assert.True(run.Completed);
    }

    [Fact]
    public void Distinct_over_an_append_only_input_emits_each_row_once()
    {
        using var run = new QueryRun("SELECT DISTINCT k FROM u");
        Assert.False(run.Query.IsUpdating);
        run.Push(0, 1, U("a", 1, 1)).Push(0, 2, U("b", 1, 2)).Push(0, 3, U("a", 2, 3));
        Assert.Equal(["+a", "+b"], run.Rendered());
    }

    [Fact]
    public void Distinct_over_a_changelog_retracts_when_the_last_copy_goes()
    {
        using var run = new QueryRun("SELECT DISTINCT n FROM (SELECT k, COUNT(*) AS n FROM u GROUP BY k) c");
        Assert.True(run.Query.IsUpdating);
        run.Push(0, 1, U("a", 1, 1)).Push(0, 2, U("b", 1, 2)).Push(0, 3, U("a", 1, 3));
        Assert.Equal(["1", "2"], run.Table());
        run.Push(0, 4, U("b", 1, 4));
        Assert.Equal(["2"], run.Table());
    }

    [Fact]
    public void An_overflow_inside_an_aggregate_faults_the_pipeline()
    {
        using var run = new QueryRun("SELECT k, SUM(w) AS total FROM u GROUP BY k");
        run.Push(0, 1, U("a", long.MaxValue, 1)).Push(0, 2, U("a", 1, 2));
        Assert.Contains("overflow", run.Error!.Message, StringComparison.OrdinalIgnoreCase);
        run.Push(0, 3, U("a", 1, 3));
        Assert.Single(run.Rows);
    }
}
