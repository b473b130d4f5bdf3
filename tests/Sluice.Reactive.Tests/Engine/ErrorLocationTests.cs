namespace Sluice.Reactive.Tests.Engine;

/// <summary>
/// SPEC §4: a row error says where in the query the failing expression is, whichever operator evaluates it, so a user
/// can find it; a strict query's error names the operator that failed. Each query divides by v, which the second event sets to 0.
/// </summary>
public sealed class ErrorLocationTests
{
    private static object?[] T(string k, long v, double seconds) => [k, v, null, null, null, QueryRun.At(seconds), null];

    // The query; where a row error says it failed (the clause); where a strict query's error says it did (the operator).
    public static TheoryData<string, string, string> Clauses => new()
    {
        { "SELECT k FROM t WHERE 10 / v > 1", "(in filter ", "(in filter " },
        { "SELECT k, 10 / v AS q FROM t", "(in SELECT list)", "(in SELECT list)" },
        { "SELECT 10 / v AS g, COUNT(*) AS n FROM t GROUP BY 10 / v", "(in GROUP BY)", "(in aggregate)" },
        { "SELECT k, SUM(10 / v) AS s FROM t GROUP BY k", "(in argument of SUM(", "(in aggregate)" },
        { "SELECT window_start, 10 / v AS g, COUNT(*) AS n FROM TUMBLE(t, ts, INTERVAL '1' SECOND) GROUP BY window_start, 10 / v", "(in GROUP BY)", "(in window aggregate)" },
        { "SELECT window_start, SUM(10 / v) AS s FROM TUMBLE(t, ts, INTERVAL '1' SECOND) GROUP BY window_start", "(in argument of SUM(", "(in window aggregate)" },
        { "SELECT window_start, COUNT(*) AS n FROM TUMBLE(t, ts, INTERVAL '1' SECOND) WHERE 10 / v > 1 GROUP BY window_start", "(in filter ", "(in filter " },
        { "SELECT window_start, k, COUNT(*) AS n FROM TUMBLE(t, ts, INTERVAL '1' SECOND) WHERE window_end > ts GROUP BY window_start, k, 10 / v", "(in GROUP BY)", "(in aggregate)" },
        { "SELECT window_start, 10 / v AS g, COUNT(*) AS n FROM SESSION(t, ts, INTERVAL '1' SECOND) GROUP BY window_start, window_end, 10 / v", "(in GROUP BY)", "(in aggregate)" },
        { "SELECT * FROM (SELECT k, ROW_NUMBER() OVER (PARTITION BY 10 / v ORDER BY ts) AS rn FROM t) x WHERE rn <= 1", "(in PARTITION BY)", "(in top-N)" },
        { "SELECT * FROM (SELECT k, ROW_NUMBER() OVER (PARTITION BY k ORDER BY 10 / v) AS rn FROM t) x WHERE rn <= 1", "(in ORDER BY)", "(in top-N)" },
        { "SELECT t.k FROM t JOIN u ON 10 / t.v = u.w", "(in join key)", "(in join condition)" },
        { "SELECT t.k FROM t JOIN u ON t.k = u.k AND 10 / t.v > u.w", "(in join condition)", "(in join condition)" },
    };

    private static QueryRun Run(string sql, bool strict)
    {
        var run = new QueryRun(sql, strict);
        var joins = run.Query.Inputs.Count > 1;
        if (joins) run.Push(1, 0.5, "a", 1L, QueryRun.At(0.5));
        run.Push(0, 1, T("a", 1, 1)).Push(0, 2, T("a", 0, 2));
        run.CompleteAll();
        return run;
    }

    [Theory]
    [MemberData(nameof(Clauses))]
    public void A_row_error_names_the_clause_of_the_failing_expression(string sql, string where, string operatorWhere)
    {
        _ = operatorWhere;
        using var run = Run(sql, strict: false);
        Assert.Null(run.Error);
        var error = Assert.Single(run.Stats.RecentRowErrors);
        Assert.Contains("Division by zero " + where, error.Message, StringComparison.Ordinal);
        Assert.Equal("t", error.Stream);
    }

    [Theory]
    [MemberData(nameof(Clauses))]
    public void A_strict_query_fails_naming_the_operator_of_the_failing_expression(string sql, string where, string operatorWhere)
    {
        _ = where;
        using var run = Run(sql, strict: true);
        Assert.Contains("Division by zero " + operatorWhere, run.Error!.Message, StringComparison.Ordinal);
    }

    // The cases above fail on t, the join's left input; a right row's key is guarded on its own.
    [Fact]
    public void A_row_error_in_the_right_inputs_join_key_names_the_join_key()
    {
        using var run = new QueryRun("SELECT t.k FROM t JOIN u ON t.v = 10 / u.w", strict: false);
        run.Push(1, 0.5, "a", 0L, QueryRun.At(0.5));
        run.CompleteAll();
        Assert.Null(run.Error);
        var error = Assert.Single(run.Stats.RecentRowErrors);
        Assert.Contains("Division by zero (in join key)", error.Message, StringComparison.Ordinal);
        Assert.Equal("u", error.Stream);
    }
}
