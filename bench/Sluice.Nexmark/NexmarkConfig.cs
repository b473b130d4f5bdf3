namespace Sluice.Nexmark;

/// <summary>
/// Knobs of the generator. Defaults are the reference generator's (Beam/Flink Nexmark
/// <c>NexmarkConfiguration</c>): 1,000 active people, 100 auctions in flight, hot ratios 2/4/4,
/// average sizes 200/500/100 bytes for person/auction/bid.
/// </summary>
public sealed record NexmarkConfig
{
    /// <summary>Seed of every random choice; the same seed gives the same events, byte for byte.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Event-time rate: event number n happens at <see cref="BaseTime"/> + n / rate seconds (truncated to ms).</summary>
    public long EventsPerSecond { get; init; } = 10_000;

    /// <summary>Event time of event 0. Defaults to a whole minute so epoch-aligned windows start with it.</summary>
    public DateTime BaseTime { get; init; } = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Sellers and non-hot bidders are drawn from the last this many people (plus a lead of 10 future ids).</summary>
    public int NumActivePeople { get; init; } = 1_000;

    /// <summary>Non-hot bids go to one of the last this many auctions (plus a lead of 10 future ids); also sets auction lengths.</summary>
    public int NumInFlightAuctions { get; init; } = 100;

    /// <summary>A bid goes to a hot auction with probability 1 − 1/ratio.</summary>
    public int HotAuctionRatio { get; init; } = 2;

    /// <summary>An auction is sold by a hot seller with probability 1 − 1/ratio.</summary>
    public int HotSellersRatio { get; init; } = 4;

    /// <summary>A bid is made by a hot bidder with probability 1 − 1/ratio.</summary>
    public int HotBiddersRatio { get; init; } = 4;

    public int AvgPersonByteSize { get; init; } = 200;

    public int AvgAuctionByteSize { get; init; } = 500;

    public int AvgBidByteSize { get; init; } = 100;
}
