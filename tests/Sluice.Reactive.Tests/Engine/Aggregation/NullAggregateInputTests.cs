namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// Every aggregate over NULL arguments, through each kind of grouping: COUNT(*) counts the rows, COUNT(x) gives 0,
/// and SUM, AVG, MIN, MAX and COUNT(DISTINCT) ignore NULLs, giving NULL (or 0) when nothing else is there.
/// </summary>
public sealed class NullAggregateInputTests
{
    private const string Aggregates =
        "COUNT(*) AS n, COUNT(v) AS cv, COUNT(DISTINCT v) AS dv, SUM(v) AS sv, SUM(d) AS sd, SUM(m) AS sm, " +
        "AVG(v) AS av, AVG(d) AS ad, AVG(m) AS am, MIN(v) AS lo, MAX(v) AS hi, MIN(d) AS dlo, MAX(m) AS mhi";

    private static object?[] T(string k, long? v, double? d, decimal? m, double seconds) => [k, v, d, m, null, QueryRun.At(seconds), null];

    [Fact]
    public void Null_arguments_are_ignored_beside_values_in_a_changelog_group()
    {
        using var run = new QueryRun($"SELECT k, {Aggregates} FROM t GROUP BY k");
        run.Push(0, 1, T("a", null, null, null, 1)).Push(0, 2, T("a", null, null, null, 2));
        Assert.Equal(["a|2|0|0|null|null|null|null|null|null|null|null|null|null"], run.Table());
        run.Push(0, 3, T("a", 4, 1.5, 2.5m, 3)).Push(0, 4, T("a", 2, null, null, 4));
        Assert.Equal(["a|4|2|2|6|1.5|2.5|3|1.5|2.5|2|4|1.5|2.5"], run.Table());
    }

    [Fact]
    public void A_tumbling_window_of_only_null_arguments_gives_null_aggregates()
    {
        using var run = new QueryRun($"SELECT k, {Aggregates}, window_start FROM TUMBLE(t, ts, INTERVAL '10' SECOND) GROUP BY k, window_start");
        run.Push(0, 1, T("a", null, null, null, 1)).Push(0, 2, T("a", null, null, null, 2)).Push(0, 12, T("b", 7, 0.5, 1m, 12));
        run.CompleteAll();
        Assert.Equal(["a|2|0|0|null|null|null|null|null|null|null|null|null|null|00:00:00.000", "b|1|1|1|7|0.5|1|7|0.5|1|7|7|0.5|1|00:00:10.000"], run.Table());
    }

    [Fact]
    public void A_hop_window_of_only_null_arguments_gives_null_aggregates()
    {
        using var run = new QueryRun("SELECT k, COUNT(*) AS n, COUNT(v) AS cv, SUM(v) AS sv, COUNT(DISTINCT v) AS dv, window_start FROM HOP(t, ts, INTERVAL '5' SECOND, INTERVAL '10' SECOND) GROUP BY k, window_start");
        run.Push(0, 6, T("a", null, null, null, 6));
        run.CompleteAll();
        Assert.Equal(["a|1|0|null|0|00:00:00.000", "a|1|0|null|0|00:00:05.000"], run.Table());
    }

    [Fact]
    public void A_session_of_only_null_arguments_gives_null_aggregates()
    {
        using var run = new QueryRun($"SELECT k, {Aggregates}, window_start FROM SESSION(t, ts, INTERVAL '5' SECOND) GROUP BY k, window_start");
        run.Push(0, 1, T("a", null, null, null, 1)).Push(0, 3, T("a", null, null, null, 3));
        run.CompleteAll();
        Assert.Equal(["a|2|0|0|null|null|null|null|null|null|null|null|null|null|00:00:01.000"], run.Table());
    }

    [Fact]
    public void Runtime_typed_aggregates_of_only_nulls_are_null_and_count_zero()
    {
        using var run = new QueryRun("SELECT kind, COUNT(amount) AS c, SUM(amount) AS s, AVG(amount) AS a, MIN(amount) AS lo, MAX(amount) AS hi FROM raw GROUP BY kind");
        run.Push(0, 1, ["x", null]).Push(0, 2, ["x", null]);
        Assert.Equal(["x|0|null|null|null|null"], run.Table());
        run.Push(0, 3, ["x", 2L]).Push(0, 4, ["x", 0.5]);
        Assert.Equal(["x|2|2.5|1.25|0.5|2"], run.Table());
    }
}
