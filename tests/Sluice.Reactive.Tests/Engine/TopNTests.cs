namespace Sluice.Reactive.Tests.Engine;

/// <summary>ROW_NUMBER() top-N and deduplication, and ORDER BY … LIMIT, through SQL.</summary>
public sealed class TopNTests
{
    private const string TopTwoPerAuction =
        "SELECT * FROM (SELECT auction, price, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rn FROM bid) t WHERE rn <= 2";

    [Fact]
    public void Empty_input_gives_an_empty_updating_result()
    {
        using var run = new QueryRun(TopTwoPerAuction);
        run.CompleteAll();
        Assert.True(run.Query.IsUpdating);
        Assert.Empty(run.Rows);
        Assert.True(run.Completed);
    }

    [Fact]
    public void Top_two_per_partition_with_ranks_moving_as_better_rows_arrive()
    {
        using var run = new QueryRun(TopTwoPerAuction);
        run.Push(0, 1, Rows.Bid(1, 10, 100, 1));
        Assert.Equal(["+1|100|1"], run.Rendered());
        run.Push(0, 2, Rows.Bid(1, 11, 300, 2)).Push(0, 3, Rows.Bid(2, 12, 50, 3)).Push(0, 4, Rows.Bid(1, 13, 200, 4)).Push(0, 5, Rows.Bid(1, 14, 10, 5));

        Assert.Equal(["1|200|2", "1|300|1", "2|50|1"], run.Table());
        // The bid of 10 never entered the top two: nothing was emitted for it.
        Assert.DoesNotContain(run.Rendered(), r => r.Contains("|10|", StringComparison.Ordinal));
        // Append-only input: two rows per partition kept.
        Assert.Equal(3, run.Stats.StateSize);
    }

    [Fact]
    public void Ties_keep_the_earlier_row_first()
    {
        using var run = new QueryRun("SELECT bidder FROM (SELECT bidder, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rn FROM bid) t WHERE rn = 1");
        run.Push(0, 1, Rows.Bid(1, 10, 100, 1)).Push(0, 2, Rows.Bid(1, 11, 100, 2));
        Assert.Equal(["+10"], run.Rendered());
    }

    [Fact]
    public void Without_the_rank_column_only_rows_entering_and_leaving_are_emitted()
    {
        using var run = new QueryRun("SELECT auction, price FROM (SELECT auction, price, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rn FROM bid) t WHERE rn <= 2");
        run.Push(0, 1, Rows.Bid(1, 10, 100, 1)).Push(0, 2, Rows.Bid(1, 11, 200, 2)).Push(0, 3, Rows.Bid(1, 12, 300, 3));
        Assert.Equal(["+1|100", "+1|200", "-1|100", "+1|300"], run.Rendered());
        Assert.DoesNotContain("with rank", run.Query.Plan, StringComparison.Ordinal);
    }

    [Fact]
    public void Deduplication_keeps_the_latest_row_per_key()
    {
        using var run = new QueryRun("SELECT auction, bidder, price FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY date_time DESC) AS rank_number FROM bid) WHERE rank_number <= 1");
        run.Push(0, 1, Rows.Bid(1, 10, 100, 1)).Push(0, 2, Rows.Bid(1, 10, 150, 2)).Push(0, 3, Rows.Bid(2, 10, 7, 3));
        Assert.Equal(["+1|10|100", "-1|10|100", "+1|10|150", "+2|10|7"], run.Rendered());
    }

    [Fact]
    public void Deduplication_ascending_keeps_the_first_row_and_emits_nothing_more()
    {
        using var run = new QueryRun("SELECT auction, price FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY date_time ASC) AS rn FROM bid) WHERE rn = 1");
        run.Push(0, 1, Rows.Bid(1, 10, 100, 1)).Push(0, 2, Rows.Bid(1, 10, 150, 2)).Push(0, 3, Rows.Bid(1, 11, 7, 3));
        Assert.Equal(["+1|100"], run.Rendered());
        Assert.Equal(1, run.Stats.StateSize);
    }

    [Fact]
    public void Retractions_from_an_updating_input_refill_the_top_from_the_rest()
    {
        // Totals per bidder change as bids arrive: the top-1 bidder follows them.
        using var run = new QueryRun("SELECT bidder, total FROM (SELECT bidder, total, ROW_NUMBER() OVER (ORDER BY total DESC) AS rn FROM (SELECT bidder, SUM(price) AS total FROM bid GROUP BY bidder) s) t WHERE rn <= 1");
        run.Push(0, 1, Rows.Bid(1, 10, 100, 1)).Push(0, 2, Rows.Bid(1, 11, 50, 2));
        Assert.Equal(["10|100"], run.Table());
        run.Push(0, 3, Rows.Bid(1, 11, 70, 3));
        Assert.Equal(["11|120"], run.Table());
        Assert.Contains("keeps every row", run.Query.Plan, StringComparison.Ordinal);
    }

    [Fact]
    public void Order_by_limit_is_a_global_top_n()
    {
        using var run = new QueryRun("SELECT auction, price FROM bid ORDER BY price DESC LIMIT 2");
        Assert.True(run.Query.IsUpdating);
        run.Push(0, 1, Rows.Bid(1, 10, 5, 1)).Push(0, 2, Rows.Bid(2, 10, 9, 2)).Push(0, 3, Rows.Bid(3, 10, 7, 3)).Push(0, 4, Rows.Bid(4, 10, 1, 4));
        Assert.Equal(["2|9", "3|7"], run.Table());
    }

    [Fact]
    public void Order_by_position_and_ascending()
    {
        using var run = new QueryRun("SELECT price, auction FROM bid ORDER BY 1 LIMIT 1");
        run.Push(0, 1, Rows.Bid(1, 10, 5, 1)).Push(0, 2, Rows.Bid(2, 10, 3, 2)).Push(0, 3, Rows.Bid(3, 10, 4, 3));
        Assert.Equal(["3|2"], run.Table());
    }

    [Fact]
    public void Order_by_without_limit_is_accepted_and_changes_nothing()
    {
        using var run = new QueryRun("SELECT auction FROM bid ORDER BY auction");
        Assert.False(run.Query.IsUpdating);
    }

    [Theory]
    [InlineData("SELECT auction, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price) AS rn FROM bid", "needs a filter on its result")]
    [InlineData("SELECT * FROM (SELECT auction, ROW_NUMBER() OVER (ORDER BY price) AS rn FROM bid) t", "needs a filter on its result")]
    [InlineData("SELECT * FROM (SELECT auction, ROW_NUMBER() OVER (ORDER BY price) AS rn FROM bid) t WHERE rn > 3", "write rn <= N")]
    [InlineData("SELECT * FROM (SELECT auction, ROW_NUMBER() OVER (PARTITION BY auction) AS rn FROM bid) t WHERE rn = 1", "needs an ORDER BY")]
    [InlineData("SELECT auction FROM bid LIMIT 3", "needs ORDER BY")]
    [InlineData("SELECT auction, RANK() OVER (ORDER BY price) AS r FROM bid", "RANK(...) OVER is not supported")]
    public void Unsupported_forms_say_what_to_write_instead(string sql, string message)
    {
        var error = Assert.Throws<QueryException>(() => QueryCompiler.Compile(sql, TestShapes.Instance));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}

/// <summary>SELECT DISTINCT ON: the first row per key, in the query's ORDER BY or in arrival order.</summary>
public sealed class DistinctOnTests
{
    [Fact]
    public void Distinct_on_keeps_the_first_row_per_key_in_order_by_order()
    {
        using var run = new QueryRun("SELECT DISTINCT ON (auction) auction, price, bidder FROM bid ORDER BY auction, price DESC");
        Assert.True(run.Query.IsUpdating);
        run.Push(0, 1, Rows.Bid(1, 10, 5, 1)).Push(0, 2, Rows.Bid(1, 11, 9, 2)).Push(0, 3, Rows.Bid(2, 12, 1, 3)).Push(0, 4, Rows.Bid(1, 13, 7, 4));
        Assert.Equal(["1|9|11", "2|1|12"], run.Table());
    }

    [Fact]
    public void Distinct_on_without_order_by_keeps_the_first_arrival()
    {
        using var run = new QueryRun("SELECT DISTINCT ON (auction) auction, bidder FROM bid");
        run.Push(0, 1, Rows.Bid(1, 10, 5, 1)).Push(0, 2, Rows.Bid(1, 11, 9, 2));
        Assert.Equal(["+1|10"], run.Rendered());
    }
}
