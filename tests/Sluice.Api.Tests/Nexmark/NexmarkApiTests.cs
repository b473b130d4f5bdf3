using Sluice.Api.Tests.Infrastructure;
using Sluice.Nexmark;
using Sluice.Nexmark.Reference;

namespace Sluice.Api.Tests.Nexmark;

/// <summary>
/// The Nexmark queries end to end through the HTTP API: unchanged texts registered with POST /api/queries,
/// generated events appended over HTTP, output read back from the query's stream and compared with the
/// independent reference (windowed queries: after a later event moves the watermark past every window).
/// </summary>
public sealed class NexmarkApiTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly SluiceApp app = new();

    public void Dispose() => app.Dispose();

    [Fact]
    public Task Q0_over_http_returns_every_bid() => AssertMatchesReferenceAsync("q0", windowed: false);

    [Fact]
    public Task Q1_over_http_returns_decimal_euro_prices() => AssertMatchesReferenceAsync("q1", windowed: false);

    [Fact]
    public Task Q2_over_http_returns_bids_on_five_auctions() => AssertMatchesReferenceAsync("q2", windowed: false);

    [Fact]
    public Task Q3_over_http_returns_local_sellers_of_category_10() => AssertMatchesReferenceAsync("q3", windowed: false);

    [Fact]
    public Task Q4_over_http_holds_the_average_closing_price_per_category() => AssertMatchesReferenceAsync("q4", windowed: false);

    [Fact]
    public Task Q5_over_http_returns_the_hot_auctions_of_every_closed_window() => AssertMatchesReferenceAsync("q5", windowed: true);

    [Fact]
    public Task Q7_over_http_returns_the_highest_bids_of_every_closed_window() => AssertMatchesReferenceAsync("q7", windowed: true);

    [Fact]
    public Task Q8_over_http_returns_new_sellers_of_every_closed_window() => AssertMatchesReferenceAsync("q8", windowed: true);

    [Fact]
    public Task Q9_over_http_holds_the_winning_bid_of_each_auction() => AssertMatchesReferenceAsync("q9", windowed: false);

    [Fact]
    public Task Q11_over_http_returns_every_closed_user_session() => AssertMatchesReferenceAsync("q11", windowed: true);

    [Fact]
    public Task Q14_over_http_labels_expensive_bids() => AssertMatchesReferenceAsync("q14", windowed: false);

    [Fact]
    public Task Q15_over_http_holds_daily_bidding_statistics() => AssertMatchesReferenceAsync("q15", windowed: false);

    [Fact]
    public Task Q16_over_http_holds_daily_statistics_per_channel() => AssertMatchesReferenceAsync("q16", windowed: false);

    [Fact]
    public Task Q17_over_http_holds_daily_statistics_per_auction() => AssertMatchesReferenceAsync("q17", windowed: false);

    [Fact]
    public Task Q18_over_http_holds_the_last_bid_per_bidder_and_auction() => AssertMatchesReferenceAsync("q18", windowed: false);

    [Fact]
    public Task Q19_over_http_holds_the_top_ten_bids_per_auction() => AssertMatchesReferenceAsync("q19", windowed: false);

    [Fact]
    public Task Q20_over_http_returns_bids_expanded_with_their_auction() => AssertMatchesReferenceAsync("q20", windowed: false);

    [Fact]
    public Task Q21_over_http_returns_bids_with_a_channel_id() => AssertMatchesReferenceAsync("q21", windowed: false);

    [Fact]
    public Task Q22_over_http_returns_url_directories() => AssertMatchesReferenceAsync("q22", windowed: false);

    private async Task AssertMatchesReferenceAsync(string name, bool windowed)
    {
        var http = new NexmarkOverHttp(app);
        var expected = ResultRows.Of(NexmarkReference.Run(name, NexmarkOverHttp.Events));
        Assert.True(expected.Count > 0, $"the reference produced no rows for {name}; the test would prove nothing");

        await http.CreateStreamsAsync();
        await http.RegisterAsync(name, NexmarkQueries.All[name]);
        await http.PostAsync(NexmarkOverHttp.Events);
        if (windowed)
        {
            await http.PostAsync(NexmarkOverHttp.WatermarkAdvancers);
        }

        var difference = await http.WaitForResultAsync(name, expected, Patience);
        Assert.True(difference is null, $"{name} over HTTP differs from the reference:{Environment.NewLine}{difference}");
    }
}
