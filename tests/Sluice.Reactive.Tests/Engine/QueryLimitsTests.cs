using Sluice.Reactive;

namespace Sluice.Reactive.Tests.Engine;

public sealed class QueryLimitsTests
{
    [Fact]
    public void State_beyond_the_limit_throws_naming_the_setting_and_shrinking_state_never_does()
    {
        var stats = new QueryStats { StateRowLimit = 2 };
        stats.AddStateSize(2);
        stats.AddStateSize(-1);
        stats.AddStateSize(1);
        var error = Assert.Throws<QueryLimitException>(() => stats.AddStateSize(1));
        Assert.Contains(QueryLimits.StateRowsSetting, error.Message, StringComparison.Ordinal);
        stats.AddStateSize(-3);
        Assert.Equal(0, stats.StateSize);
    }

    [Fact]
    public void A_hop_with_more_windows_per_event_than_the_limit_does_not_compile()
    {
        const string sql = "SELECT COUNT(*) AS n, window_start FROM HOP(bid, date_time, INTERVAL '1' SECOND, INTERVAL '20' SECOND) GROUP BY window_start";
        var error = Assert.Throws<QueryException>(() => QueryCompiler.Compile(sql, TestShapes.Instance, new QueryLimits(10, 100)));
        Assert.Contains("20 windows", error.Message, StringComparison.Ordinal);
        Assert.Contains(QueryLimits.MaxWindowsPerEventSetting, error.Message, StringComparison.Ordinal);
        Assert.NotNull(QueryCompiler.Compile(sql, TestShapes.Instance, new QueryLimits(20, 100)));
    }

    [Theory]
    [InlineData("INTERVAL '99999999999999' DAY", "'99999999999999' DAY")]
    [InlineData("INTERVAL '1e300 SECOND'", "'1e300 SECOND'")]
    [InlineData("INTERVAL 'Infinity' HOUR", "'Infinity' HOUR")]
    public void An_interval_too_large_is_a_query_error_naming_the_literal(string interval, string named)
    {
        var error = Assert.Throws<QueryException>(() => QueryCompiler.Compile(
            $"SELECT COUNT(*) AS n, window_start FROM TUMBLE(bid, date_time, {interval}) GROUP BY window_start", TestShapes.Instance));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_compiled_query_carries_its_state_limit_into_the_stats_it_is_built_with()
    {
        var query = QueryCompiler.Compile("SELECT auction, COUNT(*) AS n FROM bid GROUP BY auction", TestShapes.Instance, new QueryLimits(10, 7));
        var stats = new QueryStats();
        using var _ = query.Build([System.Reactive.Linq.Observable.Never<InputEvent>()], stats).Subscribe(_ => { });
        Assert.Equal(7, stats.StateRowLimit);
    }

    [Fact]
    public void No_limit_set_means_none()
    {
        var stats = new QueryStats();
        stats.AddStateSize(long.MaxValue / 2);
        Assert.Equal(long.MaxValue / 2, stats.StateSize);
    }
}
