using System.Globalization;
using System.Text;

namespace Sluice.Nexmark;

/// <summary>
/// Deterministic Nexmark event generator following the rules of the reference generator
/// (Apache Beam / nexmark-flink): out of every 50 events 1 is a person, 3 are auctions and 46 are bids;
/// ids start at 1000 and only refer to recent people and auctions (plus a small lead of future ids);
/// half the bids go to a "hot" auction and three quarters of the bids and auctions come from
/// "hot" bidders and sellers; event time advances at <see cref="NexmarkConfig.EventsPerSecond"/>;
/// auctions expire within about twice the time it takes to open <see cref="NexmarkConfig.NumInFlightAuctions"/> more.
/// Each event's random choices depend only on the seed and its event number, so any slice can be
/// regenerated on its own. Our own code; states are lower-case as in RisingWave's generator.
/// </summary>
public sealed class NexmarkGenerator
{
    public const long FirstPersonId = 1000;
    public const long FirstAuctionId = 1000;
    public const long FirstCategoryId = 10;
    public const int PersonProportion = 1;
    public const int AuctionProportion = 3;
    public const int BidProportion = 46;
    public const int ProportionDenominator = PersonProportion + AuctionProportion + BidProportion;

    private const int NumCategories = 5;
    private const int PersonIdLead = 10;
    private const int AuctionIdLead = 10;

    // Hot auctions/sellers/bidders are the first (bidders: second) of each batch of this many ids.
    private const int HotAuctionBatch = 100;
    private const int HotSellerBatch = 100;
    private const int HotBidderBatch = 100;
    private const int HotChannelsRatio = 2;
    private const int ChannelsNumber = 10_000;

    private static readonly string[] UsStates = ["az", "ca", "id", "or", "wa", "wy"];
    private static readonly string[] UsCities = ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"];
    private static readonly string[] FirstNames = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"];
    private static readonly string[] LastNames = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];
    private static readonly string[] HotChannels = ["Google", "Facebook", "Baidu", "Apple"];

    private readonly NexmarkConfig config;
    private readonly string[] hotUrls;
    private readonly (string Channel, string Url)?[] channelCache = new (string, string)?[ChannelsNumber];
    private long nextEventNumber;

    public NexmarkGenerator(NexmarkConfig? config = null)
    {
        this.config = config ?? new NexmarkConfig();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(this.config.EventsPerSecond);
        var random = new NexmarkRandom(this.config.Seed ^ 0x5EED_C4A7_7E15UL);
        hotUrls = [.. HotChannels.Select(_ => BaseUrl(ref random))];
    }

    public NexmarkConfig Config => config;

    /// <summary>The number of the event <see cref="Next"/> returns next.</summary>
    public long NextEventNumber => nextEventNumber;

    /// <summary>Generates <paramref name="count"/> events from event number 0, in event-time order.</summary>
    public static List<NexmarkEvent> Generate(int count, NexmarkConfig? config = null)
    {
        var generator = new NexmarkGenerator(config);
        var events = new List<NexmarkEvent>(count);
        for (var i = 0; i < count; i++)
        {
            events.Add(generator.Next());
        }
        return events;
    }

    public NexmarkEvent Next() => EventAt(nextEventNumber++);

    /// <summary>The event with number <paramref name="eventNumber"/> (independent of what was generated before).</summary>
    public NexmarkEvent EventAt(long eventNumber)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(eventNumber);
        var random = NexmarkRandom.ForEvent(config.Seed, eventNumber);
        var timestamp = TimestampOf(eventNumber);
        var offset = eventNumber % ProportionDenominator;
        if (offset < PersonProportion)
        {
            return NextPerson(eventNumber, ref random, timestamp);
        }
        if (offset < PersonProportion + AuctionProportion)
        {
            return NextAuction(eventNumber, ref random, timestamp);
        }
        return NextBid(eventNumber, ref random, timestamp);
    }

    /// <summary>Event time of event <paramref name="eventNumber"/>: linear in the number, millisecond precision.</summary>
    public DateTime TimestampOf(long eventNumber) =>
        config.BaseTime.AddMilliseconds(eventNumber * 1000 / config.EventsPerSecond);

    /// <summary>The last person id (base 0) that exists when event <paramref name="eventNumber"/> is generated.</summary>
    public static long LastBase0PersonId(long eventNumber)
    {
        var epoch = eventNumber / ProportionDenominator;
        var offset = Math.Min(eventNumber % ProportionDenominator, PersonProportion - 1);
        return epoch * PersonProportion + offset;
    }

    /// <summary>The last auction id (base 0) that exists when event <paramref name="eventNumber"/> is generated.</summary>
    public static long LastBase0AuctionId(long eventNumber)
    {
        var epoch = eventNumber / ProportionDenominator;
        var offset = eventNumber % ProportionDenominator;
        if (offset < PersonProportion)
        {
            // A person comes next: the last auction is the last one of the previous epoch.
            epoch--;
            offset = AuctionProportion - 1;
        }
        else if (offset >= PersonProportion + AuctionProportion)
        {
            offset = AuctionProportion - 1;
        }
        else
        {
            offset -= PersonProportion;
        }
        return epoch * AuctionProportion + offset;
    }

    private long NextBase0PersonId(long eventNumber, ref NexmarkRandom random)
    {
        // Only recent people take part, so the density of bids per person stays constant over long runs;
        // the lead lets an event refer to a person generated slightly later.
        var numPeople = LastBase0PersonId(eventNumber) + 1;
        var activePeople = Math.Min(numPeople, config.NumActivePeople);
        return numPeople - activePeople + random.NextLong(activePeople + PersonIdLead);
    }

    private long NextBase0AuctionId(long eventNumber, ref NexmarkRandom random)
    {
        var maxAuction = LastBase0AuctionId(eventNumber);
        var minAuction = Math.Max(maxAuction - config.NumInFlightAuctions, 0);
        return minAuction + random.NextLong(maxAuction - minAuction + 1 + AuctionIdLead);
    }

    private Person NextPerson(long eventNumber, ref NexmarkRandom random, DateTime timestamp)
    {
        var id = LastBase0PersonId(eventNumber) + FirstPersonId;
        var name = FirstNames[random.NextInt(FirstNames.Length)] + " " + LastNames[random.NextInt(LastNames.Length)];
        var email = NextString(ref random, 7) + "@" + NextString(ref random, 5) + ".com";
        var creditCard = string.Create(CultureInfo.InvariantCulture,
            $"{random.NextInt(10_000):D4} {random.NextInt(10_000):D4} {random.NextInt(10_000):D4} {random.NextInt(10_000):D4}");
        var city = UsCities[random.NextInt(UsCities.Length)];
        var state = UsStates[random.NextInt(UsStates.Length)];
        var currentSize = 8 + name.Length + email.Length + creditCard.Length + city.Length + state.Length;
        var extra = NextExtra(ref random, currentSize, config.AvgPersonByteSize);
        return new Person(id, name, email, creditCard, city, state, timestamp, extra);
    }

    private Auction NextAuction(long eventNumber, ref NexmarkRandom random, DateTime timestamp)
    {
        var id = LastBase0AuctionId(eventNumber) + FirstAuctionId;
        long seller;
        if (random.NextInt(config.HotSellersRatio) > 0)
        {
            seller = LastBase0PersonId(eventNumber) / HotSellerBatch * HotSellerBatch;
        }
        else
        {
            seller = NextBase0PersonId(eventNumber, ref random);
        }
        seller += FirstPersonId;
        var category = FirstCategoryId + random.NextInt(NumCategories);
        var initialBid = NextPrice(ref random);
        var expires = timestamp.AddMilliseconds(NextAuctionLengthMs(eventNumber, ref random, timestamp));
        var itemName = NextString(ref random, 20);
        var description = NextString(ref random, 100);
        var reserve = initialBid + NextPrice(ref random);
        var currentSize = 8 + itemName.Length + description.Length + 8 + 8 + 8 + 8 + 8;
        var extra = NextExtra(ref random, currentSize, config.AvgAuctionByteSize);
        return new Auction(id, itemName, description, initialBid, reserve, timestamp, expires, seller, category, extra);
    }

    private Bid NextBid(long eventNumber, ref NexmarkRandom random, DateTime timestamp)
    {
        long auction;
        if (random.NextInt(config.HotAuctionRatio) > 0)
        {
            auction = LastBase0AuctionId(eventNumber) / HotAuctionBatch * HotAuctionBatch;
        }
        else
        {
            auction = NextBase0AuctionId(eventNumber, ref random);
        }
        auction += FirstAuctionId;

        long bidder;
        if (random.NextInt(config.HotBiddersRatio) > 0)
        {
            // The second person of the batch, so hot bidders and hot sellers differ.
            bidder = LastBase0PersonId(eventNumber) / HotBidderBatch * HotBidderBatch + 1;
        }
        else
        {
            bidder = NextBase0PersonId(eventNumber, ref random);
        }
        bidder += FirstPersonId;

        var price = NextPrice(ref random);
        string channel;
        string url;
        if (random.NextInt(HotChannelsRatio) > 0)
        {
            var i = random.NextInt(HotChannels.Length);
            channel = HotChannels[i];
            url = hotUrls[i];
        }
        else
        {
            (channel, url) = ChannelAndUrl(random.NextInt(ChannelsNumber));
        }
        var extra = NextExtra(ref random, 8 + 8 + 8 + 8, config.AvgBidByteSize);
        return new Bid(auction, bidder, price, channel, url, timestamp, extra);
    }

    /// <summary>Auction length with mean ≈ the time until <see cref="NexmarkConfig.NumInFlightAuctions"/> more auctions open.</summary>
    private long NextAuctionLengthMs(long eventNumber, ref NexmarkRandom random, DateTime timestamp)
    {
        var eventsForAuctions = (long)config.NumInFlightAuctions * ProportionDenominator / AuctionProportion;
        var horizonMs = (long)(TimestampOf(eventNumber + eventsForAuctions) - timestamp).TotalMilliseconds;
        return 1 + random.NextLong(Math.Max(horizonMs * 2, 1));
    }

    /// <summary>A channel's name and URL are fixed per channel number (90% of URLs carry the channel id).</summary>
    private (string Channel, string Url) ChannelAndUrl(int channelNumber)
    {
        if (channelCache[channelNumber] is { } cached)
        {
            return cached;
        }
        var random = NexmarkRandom.ForEvent(config.Seed ^ 0xC4A2_2E15UL, channelNumber);
        var url = BaseUrl(ref random);
        if (random.NextInt(10) > 0)
        {
            url += "&channel_id=" + Math.Abs((long)(int)ReverseBits((uint)channelNumber)).ToString(CultureInfo.InvariantCulture);
        }
        var entry = ("channel-" + channelNumber.ToString(CultureInfo.InvariantCulture), url);
        channelCache[channelNumber] = entry;
        return entry;
    }

    private static uint ReverseBits(uint value)
    {
        uint result = 0;
        for (var i = 0; i < 32; i++)
        {
            result = (result << 1) | (value & 1);
            value >>= 1;
        }
        return result;
    }

    private static string BaseUrl(ref NexmarkRandom random) =>
        "https://www.nexmark.com/" + NextString(ref random, 5, '_') + "/" + NextString(ref random, 5, '_') + "/"
        + NextString(ref random, 5, '_') + "/item.htm?query=1";

    /// <summary>Prices in cents, log-uniform between $1 and $1,000,000.</summary>
    private static long NextPrice(ref NexmarkRandom random) => (long)Math.Round(Math.Pow(10.0, random.NextDouble() * 6.0) * 100.0);

    /// <summary>Lower-case letters with the odd <paramref name="space"/>, 3 to <paramref name="maxLength"/> − 1 characters before trimming.</summary>
    private static string NextString(ref NexmarkRandom random, int maxLength, char space = ' ')
    {
        var length = 3 + random.NextInt(maxLength - 3);
        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            builder.Append(random.NextInt(13) == 0 ? space : (char)('a' + random.NextInt(26)));
        }
        return builder.ToString().Trim();
    }

    private static string NextExactString(ref NexmarkRandom random, int length)
    {
        return string.Create(length, random.NextULong(), static (span, bits) =>
        {
            var state = new NexmarkRandom(bits);
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)('a' + state.NextInt(26));
            }
        });
    }

    /// <summary>Padding so that <paramref name="currentSize"/> plus its length averages <paramref name="averageSize"/> (±20%).</summary>
    private static string NextExtra(ref NexmarkRandom random, int currentSize, int averageSize)
    {
        if (currentSize > averageSize)
        {
            return "";
        }
        var wanted = averageSize - currentSize;
        var delta = (int)Math.Round(wanted * 0.2);
        var size = wanted - delta + (delta == 0 ? 0 : random.NextInt(2 * delta));
        return NextExactString(ref random, size);
    }
}
