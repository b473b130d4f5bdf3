namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// A packed GROUP BY evaluates each FILTER condition and each aggregate value once per row (AggregateInputs) instead of
/// once per aggregate. Results and non-strict row errors must be those of evaluating <c>CASE WHEN c THEN x END</c> per
/// aggregate: a value is not evaluated where its FILTER is false, and a failure counts once per aggregate it fails in.
/// </summary>
public sealed class FactoredAggregateInputTests
{
    private static object?[] T(string k, long? v, double seconds) => [k, v, null, null, true, QueryRun.At(seconds), null];

    [Fact]
    public void Shared_conditions_and_values_give_each_aggregate_its_own_result()
    {
        using var run = new QueryRun("""
            SELECT k, COUNT(*) AS n, COUNT(*) FILTER (WHERE v > 1) AS big, COUNT(v) FILTER (WHERE v > 1) AS big_v,
                   COUNT(DISTINCT v) AS dv, COUNT(DISTINCT v) FILTER (WHERE v > 1) AS big_dv, COUNT(DISTINCT v) FILTER (WHERE v <= 1) AS small_dv,
                   MAX(v) AS top, MIN(v) FILTER (WHERE v > 1) AS least_big
            FROM t GROUP BY k
            """);
        run.Push(0, 1, T("a", 1, 1)).Push(0, 2, T("a", 3, 2)).Push(0, 3, T("a", 3, 3)).Push(0, 4, T("b", null, 4))
            .Push(0, 5, T("a", 2, 5)).Push(0, 6, T("b", 0, 6));

        Assert.Null(run.Error);
        Assert.Equal(["a|4|3|3|3|2|1|3|2", "b|2|0|0|1|0|1|0|null"], run.Table());
        Assert.Equal(0, run.Stats.RowErrors);
    }

    [Fact]
    public void A_value_that_fails_only_where_its_filter_is_false_is_not_an_error_there()
    {
        using var run = new QueryRun("""
            SELECT k, COUNT(*) AS n, COUNT(*) FILTER (WHERE v <> 0) AS nz,
                   COUNT(DISTINCT 100 / v) FILTER (WHERE v <> 0) AS q, COUNT(DISTINCT 100 / v) AS q_all
            FROM t GROUP BY k
            """);
        run.Push(0, 1, T("a", 10, 1)).Push(0, 2, T("a", 0, 2)).Push(0, 3, T("a", 50, 3)).Push(0, 4, T("a", 10, 4));

        Assert.Null(run.Error);
        Assert.Equal(["a|4|3|2|2"], run.Table());
        Assert.Equal(1, run.Stats.RowErrors); // q_all's 100 / 0; q never evaluates it
    }

    [Fact]
    public void A_failing_filter_counts_once_per_aggregate_it_guards_as_before()
    {
        using var run = new QueryRun("""
            SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE CAST(k AS bigint) > 1) AS big, COUNT(DISTINCT v) FILTER (WHERE CAST(k AS bigint) > 1) AS big_v,
                   COUNT(DISTINCT v) AS all_v
            FROM t
            """);
        run.Push(0, 1, T("5", 1, 1)).Push(0, 2, T("x", 2, 2)).Push(0, 3, T("7", 3, 3));

        Assert.Null(run.Error);
        Assert.Equal(["3|2|2|3"], run.Table());
        Assert.Equal(2, run.Stats.RowErrors);
    }

    [Fact]
    public void Strict_errors_still_fault_the_query_on_a_failing_shared_value()
    {
        using var run = new QueryRun("SELECT k, COUNT(*) AS n, COUNT(DISTINCT 100 / v) AS q, COUNT(DISTINCT 100 / v) FILTER (WHERE v > 5) AS big_q FROM t GROUP BY k", strict: true);
        run.Push(0, 1, T("a", 10, 1)).Push(0, 2, T("a", 0, 2));

        Assert.Contains("Division by zero", run.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(0, run.Stats.RowErrors);
    }
}
