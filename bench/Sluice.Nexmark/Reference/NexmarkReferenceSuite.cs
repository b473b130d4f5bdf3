using System.Globalization;

namespace Sluice.Nexmark.Reference;

/// <summary>
/// The rest of the suite (q9, q11, q14–q22), computed the same way: batch LINQ over the whole event list. Where a
/// query ranks rows (q9, q18, q19) ties are broken by generation order, the earlier event first, which is what the
/// engine's top-N documents.
/// </summary>
public static partial class NexmarkReference
{
    private static readonly TimeSpan SessionGap = TimeSpan.FromSeconds(10);

    private static string Day(DateTime t) => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>q9 (winning bids): per auction, its bid within [date_time, expires] with the highest price, then the earliest time.</summary>
    public static List<object?[]> Q9(IEnumerable<NexmarkEvent> events)
    {
        var list = events as IReadOnlyList<NexmarkEvent> ?? [.. events];
        var bids = list.OfType<Bid>().Select((b, i) => (Bid: b, Index: i)).ToLookup(x => x.Bid.Auction);
        return
        [
            .. from a in list.OfType<Auction>()
               let winner = bids[a.Id]
                   .Where(x => x.Bid.DateTime >= a.DateTime && x.Bid.DateTime <= a.Expires)
                   .OrderByDescending(x => x.Bid.Price).ThenBy(x => x.Bid.DateTime).ThenBy(x => x.Index)
                   .Select(x => x.Bid)
                   .FirstOrDefault()
               where winner is not null
               select new object?[]
               {
                   a.Id, a.ItemName, a.Description, a.InitialBid, a.Reserve, a.DateTime, a.Expires, a.Seller, a.Category,
                   winner.Auction, winner.Bidder, winner.Price, winner.DateTime,
               },
        ];
    }

    /// <summary>
    /// q11 (user sessions): per bidder, sessions of bids at most 10 s apart (an event exactly 10 s after the last one
    /// still joins, as the engine's SESSION documents); bidder, bid count, first bid time, last bid time + 10 s.
    /// </summary>
    public static List<object?[]> Q11(IEnumerable<NexmarkEvent> events)
    {
        var result = new List<object?[]>();
        foreach (var bidder in events.OfType<Bid>().GroupBy(b => b.Bidder))
        {
            var times = bidder.Select(b => b.DateTime).Order().ToList();
            var start = 0;
            for (var i = 1; i <= times.Count; i++)
            {
                if (i < times.Count && times[i] <= times[i - 1] + SessionGap) continue;
                result.Add([bidder.Key, (long)(i - start), times[start], times[i - 1] + SessionGap]);
                start = i;
            }
        }
        return result;
    }

    /// <summary>
    /// q12 (processing-time windows): per bidder, its bids counted per 10 s tumbling window of processing time. Only a
    /// script can say when each event is processed: <paramref name="processedAt"/> gives it for the i-th event of
    /// <paramref name="events"/>. bidder, count, window start, window end.
    /// </summary>
    public static List<object?[]> Q12(IReadOnlyList<NexmarkEvent> events, Func<int, DateTime> processedAt) =>
    [
        .. events.Select((e, i) => (Event: e, Index: i))
            .Where(x => x.Event is Bid)
            .GroupBy(x => (((Bid)x.Event).Bidder, Start: EventTimeWindows.TumbleStart(processedAt(x.Index), TimeSpan.FromSeconds(10))))
            .Select(g => new object?[] { g.Key.Bidder, (long)g.Count(), g.Key.Start, g.Key.Start.AddSeconds(10) }),
    ];

    /// <summary>q14 (calculation): bids whose euro price lies in (1,000,000, 50,000,000), with a day/night label by UTC hour.</summary>
    public static List<object?[]> Q14(IEnumerable<NexmarkEvent> events) =>
    [
        .. from b in events.OfType<Bid>()
           let euros = 0.908m * b.Price
           where euros > 1_000_000m && euros < 50_000_000m
           let hour = b.DateTime.Hour
           select new object?[] { b.Auction, b.Bidder, euros, hour is >= 8 and <= 18 ? "dayTime" : hour is <= 6 or >= 20 ? "nightTime" : "otherTime", b.DateTime },
    ];

    private static long Rank1(IEnumerable<Bid> bids) => bids.LongCount(b => b.Price < 10_000);

    private static long Rank2(IEnumerable<Bid> bids) => bids.LongCount(b => b.Price >= 10_000 && b.Price < 1_000_000);

    private static long Rank3(IEnumerable<Bid> bids) => bids.LongCount(b => b.Price >= 1_000_000);

    private static long Distinct(IEnumerable<Bid> bids, Func<Bid, long> field, Func<Bid, bool> where) => bids.Where(where).Select(field).Distinct().LongCount();

    /// <summary>The thirteen counters q15 and q16 report per group: bids, bidders and auctions, overall and per price rank.</summary>
    private static object?[] Statistics(IReadOnlyCollection<Bid> g)
    {
        static bool All(Bid b) => true;
        static bool R1(Bid b) => b.Price < 10_000;
        static bool R2(Bid b) => b.Price >= 10_000 && b.Price < 1_000_000;
        static bool R3(Bid b) => b.Price >= 1_000_000;
        return
        [
            (long)g.Count, Rank1(g), Rank2(g), Rank3(g),
            Distinct(g, b => b.Bidder, All), Distinct(g, b => b.Bidder, R1), Distinct(g, b => b.Bidder, R2), Distinct(g, b => b.Bidder, R3),
            Distinct(g, b => b.Auction, All), Distinct(g, b => b.Auction, R1), Distinct(g, b => b.Auction, R2), Distinct(g, b => b.Auction, R3),
        ];
    }

    /// <summary>q15 (bidding statistics per day).</summary>
    public static List<object?[]> Q15(IEnumerable<NexmarkEvent> events) =>
        [.. events.OfType<Bid>().GroupBy(b => Day(b.DateTime)).Select(g => (object?[])[g.Key, .. Statistics([.. g])])];

    /// <summary>
    /// q16 (channel statistics per day). Its "minute" is max(to_char(date_time, 'HH:mm')): in PostgreSQL's patterns
    /// HH is the hour of a 12-hour clock and mm (case-insensitive MM) the month, compared as text.
    /// </summary>
    public static List<object?[]> Q16(IEnumerable<NexmarkEvent> events) =>
    [
        .. events.OfType<Bid>().GroupBy(b => (Day: Day(b.DateTime), b.Channel)).Select(g => (object?[])
        [
            g.Key.Channel, g.Key.Day,
            g.Select(b => $"{(b.DateTime.Hour % 12 == 0 ? 12 : b.DateTime.Hour % 12):00}:{b.DateTime.Month:00}").Max(StringComparer.Ordinal),
            .. Statistics([.. g]),
        ]),
    ];

    /// <summary>q17 (auction statistics per day): counts by price rank, min, max, average (exact decimal) and sum of prices.</summary>
    public static List<object?[]> Q17(IEnumerable<NexmarkEvent> events) =>
    [
        .. events.OfType<Bid>().GroupBy(b => (b.Auction, Day: Day(b.DateTime))).Select(g => new object?[]
        {
            g.Key.Auction, g.Key.Day, g.LongCount(), Rank1(g), Rank2(g), Rank3(g),
            g.Min(b => b.Price), g.Max(b => b.Price), (decimal)g.Sum(b => b.Price) / g.Count(), g.Sum(b => b.Price),
        }),
    ];

    /// <summary>q18 (last bid of each bidder on each auction): the latest date_time wins; on a tie the earlier event.</summary>
    public static List<object?[]> Q18(IEnumerable<NexmarkEvent> events) =>
    [
        .. events.OfType<Bid>().Select((b, i) => (Bid: b, Index: i))
            .GroupBy(x => (x.Bid.Bidder, x.Bid.Auction))
            .Select(g => g.OrderByDescending(x => x.Bid.DateTime).ThenBy(x => x.Index).First().Bid)
            .Select(b => new object?[] { b.Auction, b.Bidder, b.Price, b.Channel, b.Url, b.DateTime }),
    ];

    /// <summary>q19 (top 10 bids per auction by price, ties by arrival), every bid column plus the 1-based rank.</summary>
    public static List<object?[]> Q19(IEnumerable<NexmarkEvent> events) =>
    [
        .. events.OfType<Bid>().Select((b, i) => (Bid: b, Index: i))
            .GroupBy(x => x.Bid.Auction)
            .SelectMany(g => g.OrderByDescending(x => x.Bid.Price).ThenBy(x => x.Index).Take(10)
                .Select((x, rank) => new object?[] { x.Bid.Auction, x.Bid.Bidder, x.Bid.Price, x.Bid.Channel, x.Bid.Url, x.Bid.DateTime, x.Bid.Extra, (long)(rank + 1) })),
    ];

    /// <summary>q20 (expand bids with their auction), auctions of category 10 only.</summary>
    public static List<object?[]> Q20(IEnumerable<NexmarkEvent> events)
    {
        var list = events as IReadOnlyList<NexmarkEvent> ?? [.. events];
        var auctions = list.OfType<Auction>().Where(a => a.Category == 10).ToLookup(a => a.Id);
        return
        [
            .. from b in list.OfType<Bid>()
               from a in auctions[b.Auction]
               select new object?[]
               {
                   b.Auction, b.Bidder, b.Price, b.Channel, b.Url, b.DateTime, b.Extra,
                   a.ItemName, a.Description, a.InitialBid, a.Reserve, a.DateTime, a.Expires, a.Seller, a.Category, a.Extra,
               },
        ];
    }

    /// <summary>The channel_id parameter of a URL's query string (after '&amp;' or at the start), or null.</summary>
    private static string? ChannelId(string url)
    {
        foreach (var part in url.Split('&').Select((p, i) => (Text: p, Index: i)))
        {
            // '^' in the pattern anchors at the whole URL's start: only the first piece counts without a '&'.
            if (part.Text.StartsWith("channel_id=", StringComparison.Ordinal)) return part.Text["channel_id=".Length..];
        }
        return null;
    }

    /// <summary>q21 (add channel id): the four hot channels get a fixed id, others the channel_id of their URL; others dropped.</summary>
    public static List<object?[]> Q21(IEnumerable<NexmarkEvent> events)
    {
        var hot = new Dictionary<string, string> { ["apple"] = "0", ["google"] = "1", ["facebook"] = "2", ["baidu"] = "3" };
        return
        [
            .. from b in events.OfType<Bid>()
               let id = hot.GetValueOrDefault(b.Channel.ToLowerInvariant()) ?? ChannelId(b.Url)
               where id is not null
               select new object?[] { b.Auction, b.Bidder, b.Price, b.Channel, id },
        ];
    }

    /// <summary>q22 (URL directories): the 4th, 5th and 6th '/'-separated parts of the URL ('' past the end).</summary>
    public static List<object?[]> Q22(IEnumerable<NexmarkEvent> events) =>
    [
        .. from b in events.OfType<Bid>()
           let parts = b.Url.Split('/')
           select new object?[] { b.Auction, b.Bidder, b.Price, b.Channel, parts.Length > 3 ? parts[3] : "", parts.Length > 4 ? parts[4] : "", parts.Length > 5 ? parts[5] : "" },
    ];
}
