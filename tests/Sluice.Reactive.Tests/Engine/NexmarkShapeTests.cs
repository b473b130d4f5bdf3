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

public sealed class NexmarkJoinAndWindowTests
{
    public const string Q3 = "SELECT P.name, P.city, P.state, A.id FROM auction AS A INNER JOIN person AS P on A.seller = P.id WHERE A.category = 10 and (P.state = 'or' OR P.state = 'id' OR P.state = 'ca')";
    public const string Q4 = "SELECT Q.category, AVG(Q.final) as avg FROM (SELECT MAX(B.price) AS final, A.category FROM auction A, bid B WHERE A.id = B.auction AND B.date_time BETWEEN A.date_time AND A.expires GROUP BY A.id, A.category) Q GROUP BY Q.category";
    public const string Q5 = "SELECT AuctionBids.auction, AuctionBids.num FROM (SELECT bid.auction, count(*) AS num, window_start AS starttime FROM HOP(bid, date_time, INTERVAL '2' SECOND, INTERVAL '10' SECOND) GROUP BY window_start, bid.auction) AS AuctionBids JOIN (SELECT max(CountBids.num) AS maxn, CountBids.starttime_c FROM (SELECT count(*) AS num, window_start AS starttime_c FROM HOP(bid, date_time, INTERVAL '2' SECOND, INTERVAL '10' SECOND) GROUP BY bid.auction, window_start) AS CountBids GROUP BY CountBids.starttime_c) AS MaxBids ON AuctionBids.starttime = MaxBids.starttime_c AND AuctionBids.num >= MaxBids.maxn";
    public const string Q7 = "SELECT B.auction, B.price, B.bidder, B.date_time FROM bid B JOIN (SELECT MAX(price) AS maxprice, window_end as date_time FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY window_end) B1 ON B.price = B1.maxprice WHERE B.date_time BETWEEN B1.date_time - INTERVAL '10' SECOND AND B1.date_time";
    public const string Q8 = "SELECT P.id, P.name, P.starttime FROM (SELECT id, name, window_start AS starttime, window_end AS endtime FROM TUMBLE(person, date_time, INTERVAL '10' SECOND) GROUP BY id, name, window_start, window_end) P JOIN (SELECT seller, window_start AS starttime, window_end AS endtime FROM TUMBLE(auction, date_time, INTERVAL '10' SECOND) GROUP BY seller, window_start, window_end) A ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime";

    [Fact]
    public void Q3_joins_auctions_to_their_sellers_in_either_arrival_order()
    {
        using var run = new QueryRun(Q3);
        Assert.Equal(["auction", "person"], run.Query.Inputs.Select(i => i.Stream));
        run.Push(1, 1, Rows.Person(1, "ann", "or", 1));
        run.Push(0, 2, Rows.Auction(100, 1, 10, 2, 50));
        run.Push(0, 3, Rows.Auction(101, 2, 10, 3, 50)); // seller 2 arrives later
        run.Push(0, 3, Rows.Auction(102, 1, 11, 3, 50)); // wrong category
        run.Push(1, 4, Rows.Person(2, "bob", "ca", 4));
        run.Push(1, 4, Rows.Person(3, "cid", "wa", 4));
        run.Push(0, 5, Rows.Auction(103, 3, 10, 5, 50)); // wrong state
        Assert.Equal(["ann|city|or|100", "bob|city|ca|101"], run.Rows.Select(r => QueryRun.Render(r.Values)));
        Assert.False(run.Query.IsUpdating);
    }

    [Fact]
    public void Q4_averages_the_winning_bids_per_category_as_a_changelog()
    {
        using var run = new QueryRun(Q4);
        Assert.True(run.Query.IsUpdating);
        run.Push(0, 1, Rows.Auction(1, 9, 10, 1, 100));
        run.Push(0, 1, Rows.Auction(2, 9, 10, 1, 100));
        run.Push(0, 1, Rows.Auction(3, 9, 20, 1, 100));
        run.Push(1, 2, Rows.Bid(1, 5, 10, 2));
        run.Push(1, 3, Rows.Bid(1, 5, 30, 3));
        run.Push(1, 4, Rows.Bid(2, 5, 50, 4));
        run.Push(1, 5, Rows.Bid(3, 5, 7, 5));
        run.Push(1, 200, Rows.Bid(3, 5, 99, 200)); // after auction 3 expired
        run.Push(1, 6, Rows.Bid(2, 5, 20, 6)); // not a new max
        run.CompleteAll();
        Assert.Equal(["10|40", "20|7"], run.Table());
    }

    [Fact]
    public void Q5_finds_the_hottest_auctions_per_hop_window()
    {
        using var run = new QueryRun(Q5);
        Assert.False(run.Query.IsUpdating);
        run.Push(0, 0.5, Rows.Bid(1, 1, 1, 0.5));
        run.Push(1, 0.5, Rows.Bid(1, 1, 1, 0.5));
        run.Push(0, 1, Rows.Bid(1, 1, 1, 1));
        run.Push(1, 1, Rows.Bid(1, 1, 1, 1));
        run.Push(0, 1.5, Rows.Bid(2, 1, 1, 1.5));
        run.Push(1, 1.5, Rows.Bid(2, 1, 1, 1.5));
        run.Push(0, 30, Rows.Bid(3, 1, 1, 30));
        run.Push(1, 30, Rows.Bid(3, 1, 1, 30));
        // Windows [-8,2) .. [0,10) hold bids 1,1,2: auction 1 wins each with 2 bids; nothing from the bid at 30 closes yet.
        Assert.Equal(Enumerable.Repeat("1|2", 5), run.Rows.Select(r => QueryRun.Render(r.Values)));
        Assert.All(run.Rows, r => Assert.Equal(ChangeOp.Insert, r.Op));
        run.CompleteAll();
        Assert.Equal(10, run.Rows.Count);
        Assert.Equal(0, run.Stats.StateSize);
    }

    [Fact]
    public void Q7_finds_bids_with_the_highest_price_of_their_window()
    {
        using var run = new QueryRun(Q7);
        Assert.False(run.Query.IsUpdating);
        Assert.Contains("left rows expire when the right watermark passes", run.Query.Plan, StringComparison.Ordinal);
        run.Push(0, 1, Rows.Bid(1, 1, 10, 1)).Push(1, 1, Rows.Bid(1, 1, 10, 1));
        run.Push(0, 2, Rows.Bid(2, 2, 30, 2)).Push(1, 2, Rows.Bid(2, 2, 30, 2));
        run.Push(0, 3, Rows.Bid(3, 3, 20, 3)).Push(1, 3, Rows.Bid(3, 3, 20, 3));
        run.Push(0, 12, Rows.Bid(4, 4, 30, 12)).Push(1, 12, Rows.Bid(4, 4, 30, 12)); // same price, next window
        run.Push(0, 25, Rows.Bid(5, 5, 1, 25)).Push(1, 25, Rows.Bid(5, 5, 1, 25));
        Assert.Equal(["2|30|2|00:00:02.000", "4|30|4|00:00:12.000"], run.Rows.Select(r => QueryRun.Render(r.Values)));
        run.CompleteAll();
        Assert.Equal(3, run.Rows.Count);
        Assert.Equal(0, run.Stats.StateSize);
    }

    [Fact]
    public void Q8_finds_people_who_opened_auctions_in_the_window_they_joined()
    {
        using var run = new QueryRun(Q8);
        Assert.False(run.Query.IsUpdating);
        Assert.Equal(["person", "auction"], run.Query.Inputs.Select(i => i.Stream));
        run.Push(0, 1, Rows.Person(1, "ann", "or", 1));
        run.Push(0, 2, Rows.Person(2, "bob", "or", 2));
        run.Push(1, 3, Rows.Auction(100, 1, 10, 3, 50));
        run.Push(1, 12, Rows.Auction(101, 2, 10, 12, 50)); // next window: bob did not join then
        run.Push(0, 25, Rows.Person(3, "cid", "or", 25));
        run.Push(1, 25, Rows.Auction(102, 3, 10, 25, 50));
        Assert.Equal(["1|ann|00:00:00.000"], run.Rows.Select(r => QueryRun.Render(r.Values)));
        run.CompleteAll();
        Assert.Equal(["1|ann|00:00:00.000", "3|cid|00:00:20.000"], run.Rows.Select(r => QueryRun.Render(r.Values)));
        Assert.Equal(0, run.Stats.StateSize);
    }
}
