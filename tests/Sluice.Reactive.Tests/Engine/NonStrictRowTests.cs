namespace Sluice.Reactive.Tests.Engine;

/// <summary>SPEC §4: an expression that fails on one row yields NULL for that row, counted in rowErrors; the query goes on.</summary>
public sealed class NonStrictRowTests
{
    private static object?[] T(string k, long? v, double seconds) => [k, v, null, null, null, QueryRun.At(seconds), null];

    [Fact]
    public void A_division_by_zero_yields_null_for_that_column_only_and_is_counted_with_its_offset()
    {
        using var run = new QueryRun("SELECT k, 10 / v AS q, v + 1 AS next FROM t");
        run.Push(0, 1, T("a", 2, 1)).Push(0, 2, T("zero", 0, 2)).Push(0, 3, T("b", 5, 3));

        Assert.Null(run.Error);
        Assert.Equal(["a|5|3", "zero|null|1", "b|2|6"], run.Rows.Select(r => QueryRun.Render(r.Values)));
        Assert.Equal(1, run.Stats.RowErrors);
        var error = Assert.Single(run.Stats.RecentRowErrors);
        Assert.Contains("Division by zero", error.Message, StringComparison.Ordinal);
        Assert.Equal("t", error.Stream);
        Assert.Equal(1, error.Offset);
    }

    [Fact]
    public void A_failed_cast_in_where_drops_the_row_as_a_null_condition_would()
    {
        using var run = new QueryRun("SELECT k FROM t WHERE CAST(k AS bigint) > 1");
        run.Push(0, 1, T("5", 1, 1)).Push(0, 2, T("two", 1, 2)).Push(0, 3, T("0", 1, 3)).Push(0, 4, T("7", 1, 4));

        Assert.Null(run.Error);
        Assert.Equal(["5", "7"], run.Rows.Select(r => r.Values[0]));
        Assert.Equal(1, run.Stats.RowErrors);
        Assert.Contains("Cannot cast 'two' to bigint", run.Stats.RecentRowErrors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_aggregate_argument_is_skipped_like_a_null()
    {
        using var run = new QueryRun("SELECT k, SUM(100 / v) AS s, COUNT(*) AS n FROM t GROUP BY k");
        run.Push(0, 1, T("a", 10, 1)).Push(0, 2, T("a", 0, 2)).Push(0, 3, T("a", 50, 3));

        Assert.Null(run.Error);
        Assert.Equal(["a|12|3"], run.Table());
        Assert.Equal(1, run.Stats.RowErrors);
    }

    [Fact]
    public void A_failing_group_key_groups_the_row_under_null()
    {
        using var run = new QueryRun("SELECT CAST(k AS bigint) AS n, COUNT(*) AS c FROM t GROUP BY CAST(k AS bigint)");
        run.Push(0, 1, T("1", 1, 1)).Push(0, 2, T("x", 1, 2)).Push(0, 3, T("y", 1, 3));

        Assert.Equal(["1|1", "null|2"], run.Table());
        Assert.Equal(2, run.Stats.RowErrors);
    }

    [Fact]
    public void Only_the_last_few_row_errors_are_kept_but_all_are_counted()
    {
        using var run = new QueryRun("SELECT 1 / v AS q FROM t");
        for (var i = 0; i < 8; i++) run.Push(0, i, T("k", 0, i));

        Assert.Equal(8, run.Stats.RowErrors);
        Assert.Equal(QueryStats.MaxRecentRowErrors, run.Stats.RecentRowErrors.Count);
        Assert.Equal([3L, 4L, 5L, 6L, 7L], run.Stats.RecentRowErrors.Select(e => e.Offset));
    }

    [Fact]
    public void A_failing_join_key_matches_nothing()
    {
        using var run = new QueryRun("SELECT t.k, u.w FROM t JOIN u ON CAST(t.k AS bigint) = u.w");
        run.Push(1, 1, ["x", 5L, QueryRun.At(1)]);
        run.Push(0, 2, T("5", 1, 2)).Push(0, 3, T("five", 1, 3));

        Assert.Equal(["5|5"], run.Table());
        Assert.Equal(1, run.Stats.RowErrors);
    }

    [Fact]
    public void Strict_errors_fault_the_query_and_count_nothing()
    {
        using var run = new QueryRun("SELECT 10 / v AS q FROM t", strict: true);
        run.Push(0, 1, T("zero", 0, 1)).Push(0, 2, T("a", 2, 2));

        Assert.Contains("Division by zero", run.Error!.Message, StringComparison.Ordinal);
        Assert.Empty(run.Rows);
        Assert.Equal(0, run.Stats.RowErrors);
    }
}
