namespace Sluice.Reactive.Tests.Engine;

/// <summary>STRING_AGG, FIRST_VALUE and LAST_VALUE with ORDER BY inside the call.</summary>
public sealed class OrderedAggregateTests
{
    private static object?[] U(string k, long w, double seconds) => [k, w, QueryRun.At(seconds)];

    [Fact]
    public void String_agg_joins_in_order_and_follows_retractions()
    {
        // The input is an updating aggregate, so STRING_AGG must take values back out.
        using var run = new QueryRun("SELECT STRING_AGG(k || '=' || n, ', ' ORDER BY n DESC, k) AS s FROM (SELECT k, COUNT(*) AS n FROM u GROUP BY k) c");
        run.Push(0, 1, U("a", 1, 1)).Push(0, 2, U("b", 1, 2)).Push(0, 3, U("b", 1, 3));
        Assert.Equal(["b=2, a=1"], run.Table());
        run.Push(0, 4, U("a", 1, 4)).Push(0, 5, U("a", 1, 5));
        Assert.Equal(["a=3, b=2"], run.Table());
    }

    [Fact]
    public void String_agg_without_order_is_in_arrival_order_and_skips_nulls()
    {
        using var run = new QueryRun("SELECT STRING_AGG(CASE WHEN w > 0 THEN k END, '|') AS s FROM u");
        run.Push(0, 1, U("x", 1, 1)).Push(0, 2, U("skipped", 0, 2)).Push(0, 3, U("y", 1, 3));
        Assert.Equal(["x|y"], run.Table());
    }

    [Fact]
    public void Rows_whose_order_by_value_is_null_sort_last_among_themselves_in_arrival_order()
    {
        // NULL sorts after every value (ascending, as PostgreSQL's default); two NULLs are equal, so arrival decides.
        using var run = new QueryRun("SELECT STRING_AGG(k, ',' ORDER BY x) AS s, LAST_VALUE(k ORDER BY x) AS l FROM (SELECT k, CASE WHEN w > 0 THEN w END AS x FROM u) q");
        run.Push(0, 1, U("a", 0, 1)).Push(0, 2, U("b", 5, 2)).Push(0, 3, U("c", 0, 3)).Push(0, 4, U("d", 0, 4));
        Assert.Equal(["b,a,c,d|d"], run.Table());
    }

    [Fact]
    public void First_and_last_value_per_window()
    {
        using var run = new QueryRun(
            "SELECT window_start, FIRST_VALUE(w ORDER BY ts) AS first_w, LAST_VALUE(w ORDER BY ts) AS last_w, " +
            "FIRST_VALUE(k ORDER BY w DESC) FILTER (WHERE w < 100) AS top FROM TUMBLE(u, ts, INTERVAL '10' SECOND) GROUP BY window_start");
        run.Push(0, 3, U("c", 30, 3)).Push(0, 1, U("a", 10, 1)).Push(0, 2, U("b", 500, 2)).Push(0, 12, U("d", 1, 12));
        Assert.Equal(["+00:00:00.000|10|30|c"], run.Rendered());
    }

    [Theory]
    [InlineData("SELECT FIRST_VALUE(w) AS f FROM u", "needs ORDER BY inside the call")]
    [InlineData("SELECT STRING_AGG(k) AS s FROM u", "takes a value and a separator")]
    [InlineData("SELECT STRING_AGG(k, k) AS s FROM u", "text literal as its separator")]
    public void Misuse_says_what_to_write(string sql, string message)
    {
        var error = Assert.Throws<QueryException>(() => QueryCompiler.Compile(sql, TestShapes.Instance));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
