namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// A GROUP BY with more counts, or more shared COUNT(DISTINCT) tables, than a group keeps packed together (Nexmark q16
/// packs a handful of each): the ones beyond still count on their own, each exactly its own rows.
/// </summary>
public sealed class ManyCountsTests
{
    private static object?[] T(string k, long? v, double? d, decimal? m, bool? b, double seconds) => [k, v, d, m, b, QueryRun.At(seconds), null];

    [Fact]
    public void Ten_counts_of_one_group_each_count_their_own_column()
    {
        // Eight counts of a value first, then COUNT(*) and one more: the last two are past what a group packs inline.
        using var run = new QueryRun("""
            SELECT k, COUNT(v) AS c1, COUNT(d) AS c2, COUNT(m) AS c3, COUNT(b) AS c4, COUNT(ts) AS c5,
                   COUNT(*) FILTER (WHERE v > 1) AS c6, COUNT(k) AS c7, COUNT(v) FILTER (WHERE d IS NULL) AS c8, COUNT(*) AS c9, COUNT(j) AS c10
            FROM t GROUP BY k
            """);
        run.Push(0, 1, T("a", 1, null, 1.5m, true, 1))
            .Push(0, 2, T("a", 2, 2.0, null, null, 2))
            .Push(0, 3, T("a", null, null, null, false, 3))
            .Push(0, 4, T("b", 5, 1.0, 1m, null, 4));

        Assert.Equal(["a|2|1|1|2|3|1|3|1|3|0", "b|1|1|1|0|1|1|1|0|1|0"], run.Table());
    }

    [Fact]
    public void Filtered_distinct_counts_over_three_columns_each_keep_their_own_values()
    {
        using var run = new QueryRun("""
            SELECT channel,
                   COUNT(DISTINCT auction) AS auctions, COUNT(DISTINCT auction) FILTER (WHERE price > 10) AS big_auctions,
                   COUNT(DISTINCT bidder) AS bidders, COUNT(DISTINCT bidder) FILTER (WHERE price > 10) AS big_bidders,
                   COUNT(DISTINCT price) AS prices, COUNT(DISTINCT price) FILTER (WHERE price > 10) AS big_prices
            FROM bid GROUP BY channel
            """);
        run.Push(0, 1, Rows.Bid(1, 100, 5, 1))
            .Push(0, 2, Rows.Bid(1, 101, 20, 2))
            .Push(0, 3, Rows.Bid(2, 101, 20, 3))
            .Push(0, 4, Rows.Bid(3, 102, 30, 4))
            .Push(0, 5, Rows.Bid(3, 100, 5, 5));

        Assert.Equal(["web|3|3|3|2|3|2"], run.Table());
    }
}
