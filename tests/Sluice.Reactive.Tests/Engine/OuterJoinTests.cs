namespace Sluice.Reactive.Tests.Engine;

/// <summary>RIGHT, FULL and NATURAL joins: an updating changelog whose NULL-padded rows are retracted when a partner arrives.</summary>
public sealed class OuterJoinTests
{
    private static object?[] T(string k, long v, double seconds) => [k, v, null, null, null, QueryRun.At(seconds), null];

    private static object?[] U(string k, long w, double seconds) => [k, w, QueryRun.At(seconds)];

    [Fact]
    public void Full_join_pads_both_sides_and_retracts_the_padding_when_a_match_arrives()
    {
        using var run = new QueryRun("SELECT t.k AS tk, t.v, u.k AS uk, u.w FROM t FULL OUTER JOIN u ON t.k = u.k");
        Assert.True(run.Query.IsUpdating);
        run.Push(0, 1, T("a", 1, 1));
        run.Push(1, 2, U("b", 2, 2));
        Assert.Equal(["a|1|null|null", "null|null|b|2"], run.Table());
        run.Push(1, 3, U("a", 3, 3));
        Assert.Equal(["a|1|a|3", "null|null|b|2"], run.Table());
        run.Push(0, 4, T("b", 4, 4));
        Assert.Equal(["a|1|a|3", "b|4|b|2"], run.Table());
        Assert.Equal(["+a|1|null|null", "+null|null|b|2", "-a|1|null|null", "+a|1|a|3", "-null|null|b|2", "+b|4|b|2"], run.Rendered());
    }

    [Fact]
    public void Columns_picked_from_both_sides_in_any_order_are_built_by_the_join_with_nulls_for_the_missing_side()
    {
        // A SELECT list of plain columns above a join is built by the join itself (PhysicalPlanner): right before left,
        // a column twice, a column of each side skipped.
        using var run = new QueryRun("SELECT u.w, t.k AS tk, u.w AS w2, t.v FROM t FULL JOIN u ON t.k = u.k");
        Assert.Equal(["w", "tk", "w2", "v"], run.Query.OutputColumns.Select(c => c.Name));
        run.Push(0, 1, T("a", 1, 1)).Push(1, 2, U("b", 2, 2)).Push(1, 3, U("a", 3, 3));
        Assert.Equal(["+null|a|null|1", "+2|null|2|null", "-null|a|null|1", "+3|a|3|1"], run.Rendered());
    }

    [Fact]
    public void Full_join_re_pads_a_row_whose_last_partner_is_retracted()
    {
        // The right side is an updating aggregate: its row for 'a' is replaced as counts change.
        using var run = new QueryRun("SELECT t.k AS tk, c.k AS ck, c.n FROM t FULL JOIN (SELECT k, COUNT(*) AS n FROM u GROUP BY k) c ON t.k = c.k AND c.n < 2");
        run.Push(0, 1, T("a", 1, 1)).Push(1, 2, U("a", 0, 2));
        Assert.Equal(["a|a|1"], run.Table());
        run.Push(1, 3, U("a", 0, 3));
        Assert.Equal(["a|null|null", "null|a|2"], run.Table());
    }

    [Fact]
    public void Full_join_keeps_one_sided_conditions_out_of_the_inputs()
    {
        using var run = new QueryRun("SELECT t.k AS tk, u.k AS uk FROM t FULL JOIN u ON t.k = u.k AND u.w > 5");
        run.Push(0, 1, T("a", 1, 1)).Push(1, 2, U("a", 1, 2));
        Assert.Equal(["a|null", "null|a"], run.Table());
    }

    [Fact]
    public void Right_join_keeps_every_right_row_in_written_column_order()
    {
        using var run = new QueryRun("SELECT * FROM t RIGHT JOIN u ON t.k = u.k");
        Assert.Equal(["k", "v", "d", "m", "b", "ts", "j", "k_2", "w", "ts_2"], run.Query.OutputColumns.Select(c => c.Name));
        run.Push(1, 1, U("x", 9, 1)).Push(0, 2, T("y", 1, 2));
        Assert.Equal(["null|null|null|null|null|null|null|x|9|00:00:01.000"], run.Table());
        run.Push(0, 3, T("x", 2, 3));
        Assert.Single(run.Table());
        Assert.StartsWith("x|2|", run.Table()[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Natural_join_matches_on_common_columns_and_shows_them_once()
    {
        using var run = new QueryRun("SELECT * FROM (SELECT k, v FROM t) a NATURAL JOIN (SELECT k, w FROM u) b");
        Assert.Equal(["k", "v", "w"], run.Query.OutputColumns.Select(c => c.Name));
        run.Push(0, 1, T("a", 1, 1)).Push(1, 2, U("a", 5, 2)).Push(1, 3, U("b", 6, 3));
        Assert.Equal(["+a|1|5"], run.Rendered());
    }

    [Fact]
    public void Natural_full_join_coalesces_the_common_column()
    {
        using var run = new QueryRun("SELECT k, v, w FROM (SELECT k, v FROM t) a NATURAL FULL JOIN (SELECT k, w FROM u) b");
        run.Push(0, 1, T("a", 1, 1)).Push(1, 2, U("b", 5, 2));
        Assert.Equal(["a|1|null", "b|null|5"], run.Table());
    }
}
