using Sluice.Nexmark;
using Sluice.Nexmark.Reference;

namespace Sluice.Reactive.Tests.Nexmark;

/// <summary>
/// Each Nexmark query, compiled from its unchanged RisingWave-dialect text, run over generated events,
/// must produce exactly the rows of the independent batch reference (as a multiset; updating queries
/// after their changelog is applied).
/// </summary>
public sealed class NexmarkQueryTests
{
    [Fact]
    public void Q0_passes_every_bid_through() => AssertMatchesReference("q0");

    [Fact]
    public void Q1_converts_prices_to_euros_as_decimals() => AssertMatchesReference("q1");

    [Fact]
    public void Q2_selects_bids_on_five_auctions() => AssertMatchesReference("q2");

    [Fact]
    public void Q3_joins_category_10_auctions_to_sellers_in_or_id_ca() => AssertMatchesReference("q3");

    [Fact]
    public void Q4_averages_closing_prices_per_category() => AssertMatchesReference("q4");

    [Fact]
    public void Q5_finds_the_auctions_with_most_bids_per_hop_window() => AssertMatchesReference("q5");

    [Fact]
    public void Q7_finds_the_highest_bids_per_tumbling_window() => AssertMatchesReference("q7");

    [Fact]
    public void Q8_finds_people_who_opened_an_auction_in_the_window_they_registered() => AssertMatchesReference("q8");

    [Fact]
    public void Q9_finds_the_winning_bid_of_each_auction() => AssertMatchesReference("q9");

    [Fact]
    public void Q11_counts_bids_per_user_session() => AssertMatchesReference("q11");

    [Fact]
    public void Q14_labels_expensive_bids_by_time_of_day() => AssertMatchesReference("q14");

    [Fact]
    public void Q15_reports_daily_bidding_statistics_with_filtered_distinct_counts() => AssertMatchesReference("q15");

    [Fact]
    public void Q16_reports_daily_statistics_per_channel() => AssertMatchesReference("q16");

    [Fact]
    public void Q17_reports_daily_statistics_per_auction() => AssertMatchesReference("q17");

    [Fact]
    public void Q18_keeps_the_last_bid_of_each_bidder_on_each_auction() => AssertMatchesReference("q18");

    [Fact]
    public void Q19_keeps_the_ten_highest_bids_of_each_auction_with_their_rank() => AssertMatchesReference("q19");

    [Fact]
    public void Q20_expands_bids_on_category_10_auctions() => AssertMatchesReference("q20");

    [Fact]
    public void Q21_adds_the_channel_id() => AssertMatchesReference("q21");

    [Fact]
    public void Q22_splits_the_url_into_directories() => AssertMatchesReference("q22");

    /// <summary>
    /// The updating queries with mini-batching on, as the service runs them: the changelog applied after the last batch is
    /// still exactly the reference, with batches that split hot groups' changes (7 events) and the service's size (1,024).
    /// </summary>
    [Theory]
    [InlineData("q4", 7)]
    [InlineData("q4", 1024)]
    [InlineData("q15", 1024)]
    [InlineData("q16", 7)]
    [InlineData("q16", 1024)]
    [InlineData("q17", 1024)]
    public void Mini_batched_updating_queries_match_the_reference(string name, int batchSize) => AssertMatchesReference(name, batchSize);

    private static void AssertMatchesReference(string name, int? batchSize = null)
    {
        var events = NexmarkTestEvents.Events;
        var expected = ResultRows.Of(NexmarkReference.Run(name, events));
        Assert.True(expected.Count > 0, $"the reference produced no rows for {name}; the test would prove nothing");

        var query = QueryCompiler.Compile(NexmarkQueries.All[name], NexmarkStreamShapes.Instance);
        var actual = NexmarkPipeline.Run(query, events, batchSize: batchSize);

        var difference = ResultRows.Difference(expected, actual);
        Assert.True(difference is null, $"{name} differs from the reference:{Environment.NewLine}{difference}");
    }
}
