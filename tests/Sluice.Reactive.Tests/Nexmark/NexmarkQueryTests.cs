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

    private static void AssertMatchesReference(string name)
    {
        var events = NexmarkTestEvents.Events;
        var expected = ResultRows.Of(NexmarkReference.Run(name, events));
        Assert.True(expected.Count > 0, $"the reference produced no rows for {name}; the test would prove nothing");

        var query = QueryCompiler.Compile(NexmarkQueries.All[name], NexmarkStreamShapes.Instance);
        var actual = NexmarkPipeline.Run(query, events);

        var difference = ResultRows.Difference(expected, actual);
        Assert.True(difference is null, $"{name} differs from the reference:{Environment.NewLine}{difference}");
    }
}
