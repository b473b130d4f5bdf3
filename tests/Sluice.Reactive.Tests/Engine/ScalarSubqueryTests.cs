namespace Sluice.Reactive.Tests.Engine;

/// <summary>Scalar subqueries in WHERE and HAVING: a continuously maintained value beside every row.</summary>
public sealed class ScalarSubqueryTests
{
    private static object?[] U(string k, long w, double seconds) => [k, w, QueryRun.At(seconds)];

    /// <summary>The query reads u twice (main query and subquery): each event goes to both inputs, as a host does.</summary>
    private static void Both(QueryRun run, params (string K, long W, double T)[] events)
    {
        foreach (var (k, w, t) in events)
        {
            run.Push(0, t, U(k, w, t));
            run.Push(1, t, U(k, w, t));
        }
    }

    [Fact]
    public void Where_compares_with_a_subquery_that_changes_as_events_arrive()
    {
        using var run = new QueryRun("SELECT k, w FROM u WHERE w > (SELECT AVG(w) FROM u)");
        Assert.True(run.Query.IsUpdating);
        Both(run, ("a", 10, 1));
        Assert.Empty(run.Table());
        Both(run, ("b", 30, 2));
        Assert.Equal(["b|30"], run.Table());
        Both(run, ("c", 100, 3));
        Assert.Equal(["c|100"], run.Table());
    }

    [Fact]
    public void Having_compares_groups_with_a_subquery()
    {
        using var run = new QueryRun("SELECT k, SUM(w) AS total FROM u GROUP BY k HAVING SUM(w) >= (SELECT MAX(w) FROM u)");
        Both(run, ("a", 5, 1), ("a", 5, 2), ("b", 8, 3));
        Assert.Equal(["a|10", "b|8"], run.Table());
        Both(run, ("c", 9, 4));
        Assert.Equal(["a|10", "c|9"], run.Table());
    }

    [Fact]
    public void An_empty_subquery_is_null_so_nothing_passes_a_comparison()
    {
        using var run = new QueryRun("SELECT k FROM u WHERE w > (SELECT MAX(v) FROM t) OR k = 'always'");
        run.Push(0, 1, U("x", 5, 1)).Push(0, 2, U("always", 5, 2));
        Assert.Equal(["always"], run.Table());
    }

    [Theory]
    [InlineData("SELECT k FROM u WHERE w > (SELECT k, w FROM u)", "must return one column")]
    [InlineData("SELECT (SELECT MAX(w) FROM u) AS m FROM u", "supported in WHERE and HAVING, not in SELECT")]
    public void Unsupported_places_are_refused(string sql, string message)
    {
        var error = Assert.Throws<QueryException>(() => QueryCompiler.Compile(sql, TestShapes.Instance));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
