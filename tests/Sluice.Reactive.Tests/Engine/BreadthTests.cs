namespace Sluice.Reactive.Tests.Engine;

/// <summary>FILTER on aggregates, UNION ALL, SELECT * / A.*, EMIT ON WINDOW CLOSE, NOW().</summary>
public sealed class BreadthTests
{
    private static object?[] T(string k, long? v, double seconds) => [k, v, null, null, null, QueryRun.At(seconds), null];

    [Fact]
    public void Filter_applies_to_every_aggregate_including_count_distinct()
    {
        using var run = new QueryRun(
            "SELECT k, COUNT(*) AS n, COUNT(*) FILTER (WHERE v > 1) AS big, COUNT(DISTINCT v) FILTER (WHERE v > 1) AS distinct_big, " +
            "SUM(v) FILTER (WHERE v < 10) AS small_sum, MAX(v) FILTER (WHERE v < 10) AS small_max FROM t GROUP BY k");
        run.Push(0, 1, T("a", 1, 1)).Push(0, 2, T("a", 5, 2)).Push(0, 3, T("a", 5, 3)).Push(0, 4, T("a", 20, 4)).Push(0, 5, T("b", 50, 5));
        Assert.Equal(["a|4|3|2|11|5", "b|1|1|1|null|null"], run.Table());
    }

    [Fact]
    public void Filter_in_a_window_aggregate()
    {
        using var run = new QueryRun("SELECT window_start, COUNT(*) FILTER (WHERE price >= 100) AS rich FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY window_start EMIT ON WINDOW CLOSE");
        run.Push(0, 1, Rows.Bid(1, 1, 50, 1)).Push(0, 2, Rows.Bid(1, 1, 150, 2)).Push(0, 11, Rows.Bid(1, 1, 150, 11));
        Assert.Equal(["+00:00:00.000|1"], run.Rendered());
    }

    [Fact]
    public void Union_all_of_two_streams_with_unified_types()
    {
        using var run = new QueryRun("SELECT k, v FROM t UNION ALL SELECT k, w * 1.5 FROM u");
        Assert.Equal(ColumnType.Decimal, run.Query.OutputColumns[1].Type);
        run.Push(0, 1, T("a", 1, 1)).Push(1, 2, ["b", 2L, QueryRun.At(2)]).Push(0, 3, T("c", 3, 3));
        Assert.Equal(["+a|1", "+b|3.0", "+c|3"], run.Rendered());
    }

    [Fact]
    public void Union_all_of_updating_queries_is_updating()
    {
        using var run = new QueryRun("SELECT k, COUNT(*) AS n FROM t GROUP BY k UNION ALL SELECT k, w FROM u");
        Assert.True(run.Query.IsUpdating);
        run.Push(0, 1, T("a", 1, 1)).Push(0, 2, T("a", 1, 2)).Push(1, 3, ["b", 9L, QueryRun.At(3)]);
        Assert.Equal(["a|2", "b|9"], run.Table());
    }

    [Fact]
    public void Union_all_as_a_subquery_feeding_an_aggregate_keeps_the_minimum_watermark()
    {
        using var run = new QueryRun("SELECT k, COUNT(*) AS n FROM (SELECT k FROM t UNION ALL SELECT k FROM u) x GROUP BY k");
        run.Push(0, 1, T("a", 1, 1)).Push(1, 2, ["a", 2L, QueryRun.At(2)]);
        Assert.Equal(["a|2"], run.Table());
    }

    [Theory]
    [InlineData("SELECT k, v FROM t UNION ALL SELECT k FROM u", "same number of columns")]
    [InlineData("SELECT k, v FROM t UNION ALL SELECT k, ts FROM u", "mixes bigint and timestamp")]
    [InlineData("SELECT k FROM t UNION SELECT k FROM u", "write UNION ALL")]
    [InlineData("SELECT NOW() AS t FROM t", "use PROCTIME()")]
    public void Refusals_say_why(string sql, string message)
    {
        var error = Assert.Throws<QueryException>(() => QueryCompiler.Compile(sql, TestShapes.Instance));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Alias_star_expands_one_sides_columns()
    {
        using var run = new QueryRun("SELECT A.*, B.price FROM auction A JOIN bid B ON A.id = B.auction");
        Assert.Equal(["id", "item_name", "description", "initial_bid", "reserve", "date_time", "expires", "seller", "category", "extra", "price"],
            run.Query.OutputColumns.Select(c => c.Name));
    }

    [Fact]
    public void A_subquery_in_from_needs_no_alias()
    {
        using var run = new QueryRun("SELECT k FROM (SELECT k FROM t WHERE v > 1)");
        run.Push(0, 1, T("a", 5, 1));
        Assert.Equal(["+a"], run.Rendered());
    }

    [Fact]
    public void Proctime_is_a_timestamp_of_processing()
    {
        using var run = new QueryRun("SELECT PROCTIME() AS p FROM t");
        var before = DateTime.UtcNow;
        run.Push(0, 1, T("a", 1, 1));
        var value = Assert.IsType<DateTime>(Assert.Single(run.Rows).Values[0]);
        Assert.InRange(value, before, DateTime.UtcNow);
    }
}
