using Sluice.Nexmark;
using Sluice.Nexmark.Reference;

namespace Sluice.Reactive.Tests.Nexmark;

public sealed class NexmarkGeneratorTests
{
    private static IReadOnlyList<NexmarkEvent> Events => NexmarkTestEvents.Events;

    [Fact]
    public void Same_seed_gives_the_same_events_and_another_seed_different_ones()
    {
        var again = NexmarkGenerator.Generate(2_000, NexmarkTestEvents.Config);
        Assert.Equal(Events.Take(2_000).Select(NexmarkJson.ToJson), again.Select(NexmarkJson.ToJson));

        var other = NexmarkGenerator.Generate(2_000, NexmarkTestEvents.Config with { Seed = 8 });
        Assert.NotEqual(Events.Take(2_000).Select(NexmarkJson.ToJson), other.Select(NexmarkJson.ToJson));
    }

    [Fact]
    public void Every_50_events_are_1_person_3_auctions_and_46_bids_in_that_order()
    {
        for (var start = 0; start + 50 <= Events.Count; start += 50)
        {
            Assert.IsType<Person>(Events[start]);
            Assert.All(Events.Skip(start + 1).Take(3), e => Assert.IsType<Auction>(e));
            Assert.All(Events.Skip(start + 4).Take(46), e => Assert.IsType<Bid>(e));
        }
    }

    [Fact]
    public void Event_time_never_goes_back_and_advances_at_the_configured_rate()
    {
        Assert.True(Events.Zip(Events.Skip(1)).All(p => p.First.DateTime <= p.Second.DateTime));
        Assert.Equal(NexmarkTestEvents.Config.BaseTime, Events[0].DateTime);
        Assert.Equal(NexmarkTestEvents.Config.BaseTime.AddMilliseconds(29_999), Events[^1].DateTime);
    }

    [Fact]
    public void Person_and_auction_ids_count_up_from_1000_without_gaps()
    {
        Assert.Equal(Enumerable.Range(1000, 600).Select(i => (long)i), Events.OfType<Person>().Select(p => p.Id));
        Assert.Equal(Enumerable.Range(1000, 1800).Select(i => (long)i), Events.OfType<Auction>().Select(a => a.Id));
    }

    [Fact]
    public void Bids_and_auctions_refer_to_recent_people_and_auctions_with_a_small_lead()
    {
        var seen = 0L;
        var auctionsSeen = 0L;
        foreach (var e in Events)
        {
            switch (e)
            {
                case Person p:
                    seen = p.Id;
                    break;
                case Auction a:
                    auctionsSeen = a.Id;
                    Assert.InRange(a.Seller, Math.Max(1000, seen - 1000), seen + 10);
                    Assert.InRange(a.Category, 10, 14);
                    Assert.True(a.Expires > a.DateTime);
                    Assert.True(a.Reserve >= a.InitialBid);
                    break;
                case Bid b:
                    Assert.InRange(b.Auction, Math.Max(1000, auctionsSeen - 100), auctionsSeen + 10);
                    Assert.InRange(b.Bidder, Math.Max(1000, seen - 1000), seen + 10);
                    break;
            }
        }
    }

    [Fact]
    public void About_half_the_bids_go_to_hot_auctions_and_three_quarters_come_from_hot_bidders()
    {
        var bids = Events.OfType<Bid>().ToList();
        var hotAuction = bids.Count(b => (b.Auction - 1000) % 100 == 0) / (double)bids.Count;
        var hotBidder = bids.Count(b => (b.Bidder - 1000) % 100 == 1) / (double)bids.Count;
        // Non-hot choices land on a batch's first/second id too, ~1% of the time; the tolerance covers it.
        Assert.InRange(hotAuction, 0.48, 0.54);
        Assert.InRange(hotBidder, 0.73, 0.78);
    }

    [Fact]
    public void Bids_are_padded_to_about_100_bytes_as_the_reference_counts_them()
    {
        var sizes = Events.OfType<Bid>().Select(b => 32 + b.Extra.Length).ToList();
        Assert.InRange(sizes.Average(), 95, 105);
    }

    [Fact]
    public void Data_lets_q2_and_q3_find_rows()
    {
        var auctions = Events.OfType<Bid>().Select(b => b.Auction).ToHashSet();
        Assert.Superset(new HashSet<long> { 1007, 1020, 2001, 2019, 2087 }, auctions);
        Assert.Superset(new HashSet<string> { "or", "id", "ca" }, Events.OfType<Person>().Select(p => p.State).ToHashSet());
        Assert.Contains(Events.OfType<Auction>(), a => a.Category == 10);
        Assert.NotEmpty(NexmarkReference.Q3(Events));
    }

    [Fact]
    public void Rows_follow_the_requested_column_order_with_engine_boxing()
    {
        var bid = Events.OfType<Bid>().First();
        var row = NexmarkRows.Layout(NexmarkStreams.Bid, ["date_time", "price", "channel"])(bid);
        Assert.Equal(new object?[] { bid.DateTime, bid.Price, bid.Channel }, row);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)row[0]!).Kind);
        Assert.Throws<ArgumentException>(() => NexmarkRows.Layout(NexmarkStreams.Bid, ["seller"]));
    }

    [Fact]
    public void Json_uses_the_standard_field_names_and_iso_timestamps()
    {
        var auction = Events.OfType<Auction>().First();
        using var json = System.Text.Json.JsonDocument.Parse(NexmarkJson.ToJson(auction));
        Assert.Equal(NexmarkStreams.AuctionSchema.Select(f => f.Key), json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(auction.Expires, json.RootElement.GetProperty("expires").GetDateTime().ToUniversalTime());
        var ndjson = System.Text.Encoding.UTF8.GetString(NexmarkJson.ToNdjson(Events.Take(50)));
        Assert.Equal(50, ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
