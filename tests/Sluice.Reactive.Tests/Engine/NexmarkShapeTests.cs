namespace Sluice.Reactive.Tests.Engine;

public sealed class NexmarkShapeTests
{
    [Fact]
    public void Q0_passes_bids_through_with_their_event_time()
    {
        using var run = new QueryRun("SELECT auction, bidder, price, date_time FROM bid");
        run.Push(0, 1, Rows.Bid(1000, 1, 50, 1)).Push(0, 2, Rows.Bid(1001, 2, 70, 2));
        run.CompleteAll();
        Assert.Equal(["1000|1|50|00:00:01.000", "1001|2|70|00:00:02.000"], run.Rows.Select(r => QueryRun.Render(r.Values)));
        Assert.Equal(QueryRun.At(2), run.Rows[1].EventTime);
        Assert.False(run.Query.IsUpdating);
        Assert.True(run.Completed);
        Assert.Equal(2, run.Stats.EventsIn);
        Assert.Equal(2, run.Stats.RowsOut);
        Assert.Equal([ColumnType.Bigint, ColumnType.Bigint, ColumnType.Bigint, ColumnType.Timestamp], run.Query.OutputColumns.Select(c => c.Type));
    }

    [Fact]
    public void Q1_multiplies_bigint_price_by_a_decimal_literal_into_a_decimal()
    {
        using var run = new QueryRun("SELECT auction, bidder, 0.908 * price as price, date_time FROM bid");
        run.Push(0, 1, Rows.Bid(1000, 1, 100, 1));
        Assert.Equal(90.8m, run.Rows.Single().Values[2]);
        Assert.Equal(ColumnType.Decimal, run.Query.OutputColumns[2].Type);
        Assert.Equal("price", run.Query.OutputColumns[2].Name);
    }

    [Fact]
    public void Q2_filters_on_a_disjunction_of_auction_ids()
    {
        using var run = new QueryRun("SELECT auction, price FROM bid WHERE auction = 1007 OR auction = 1020 OR auction = 2001 OR auction = 2019 OR auction = 2087");
        foreach (var auction in new long[] { 1000, 1007, 1008, 2019, 2087, 3000 }) run.Push(0, 1, Rows.Bid(auction, 1, auction / 10, 1));
        Assert.Equal(["1007|100", "2019|201", "2087|208"], run.Rows.Select(r => QueryRun.Render(r.Values)));
    }
}
