namespace Sluice.Nexmark.Reference;

/// <summary>
/// The Nexmark queries computed in batch with plain LINQ over the whole event list, independently of the
/// engine, as the expected final result of each query (for updating queries: the table after every change
/// is applied). Rows hold values boxed as the engine boxes them: bigint → long, numeric → decimal,
/// text → string, timestamp → UTC DateTime; columns in the order of the query's SELECT list.
/// </summary>
public static partial class NexmarkReference
{
    private static readonly TimeSpan TenSeconds = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan TwoSeconds = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The reference result of query <paramref name="name"/> (q0 … q22, as in <see cref="NexmarkQueries.All"/>). q12's
    /// processing time is scripted as each event's own time here (processed the moment it happened); see <see cref="Q12"/>.
    /// </summary>
    public static List<object?[]> Run(string name, IReadOnlyList<NexmarkEvent> events) => name switch
    {
        "q0" => Q0(events),
        "q1" => Q1(events),
        "q2" => Q2(events),
        "q3" => Q3(events),
        "q4" => Q4(events),
        "q5" => Q5(events),
        "q7" => Q7(events),
        "q8" => Q8(events),
        "q9" => Q9(events),
        "q11" => Q11(events),
        "q12" => Q12(events, i => events[i].DateTime),
        "q14" => Q14(events),
        "q15" => Q15(events),
        "q16" => Q16(events),
        "q17" => Q17(events),
        "q18" => Q18(events),
        "q19" => Q19(events),
        "q20" => Q20(events),
        "q21" => Q21(events),
        "q22" => Q22(events),
        _ => throw new ArgumentException($"No reference for query '{name}'.", nameof(name)),
    };

    /// <summary>q0 (pass-through): auction, bidder, price, date_time of every bid.</summary>
    public static List<object?[]> Q0(IEnumerable<NexmarkEvent> events) =>
        [.. events.OfType<Bid>().Select(b => new object?[] { b.Auction, b.Bidder, b.Price, b.DateTime })];

    /// <summary>q1 (currency conversion): price × 0.908 as an exact decimal (scale 3, no rounding needed).</summary>
    public static List<object?[]> Q1(IEnumerable<NexmarkEvent> events) =>
        [.. events.OfType<Bid>().Select(b => new object?[] { b.Auction, b.Bidder, 0.908m * b.Price, b.DateTime })];

    /// <summary>q2 (selection): auction, price of bids on auctions 1007, 1020, 2001, 2019, 2087.</summary>
    public static List<object?[]> Q2(IEnumerable<NexmarkEvent> events)
    {
        long[] wanted = [1007, 1020, 2001, 2019, 2087];
        return [.. events.OfType<Bid>().Where(b => wanted.Contains(b.Auction)).Select(b => new object?[] { b.Auction, b.Price })];
    }

    /// <summary>q3 (local item suggestion): sellers in OR/ID/CA of category-10 auctions; name, city, state, auction id.</summary>
    public static List<object?[]> Q3(IEnumerable<NexmarkEvent> events)
    {
        var list = events as IReadOnlyList<NexmarkEvent> ?? [.. events];
        string[] states = ["or", "id", "ca"];
        var people = list.OfType<Person>().ToLookup(p => p.Id);
        return
        [
            .. from a in list.OfType<Auction>()
               where a.Category == 10
               from p in people[a.Seller]
               where states.Contains(p.State)
               select new object?[] { p.Name, p.City, p.State, a.Id },
        ];
    }

    /// <summary>
    /// q4 (average closing price per category): per auction, the highest price among its bids whose
    /// date_time lies in [auction.date_time, auction.expires] (both ends included, as BETWEEN);
    /// auctions without such a bid do not count; per category the average of those maxima, computed
    /// as (decimal)sum / count with .NET decimal division (28–29 significant digits, rounded half to even).
    /// </summary>
    public static List<object?[]> Q4(IEnumerable<NexmarkEvent> events)
    {
        var list = events as IReadOnlyList<NexmarkEvent> ?? [.. events];
        var bidsByAuction = list.OfType<Bid>().ToLookup(b => b.Auction);
        var finals =
            from a in list.OfType<Auction>()
            let qualifying = bidsByAuction[a.Id].Where(b => b.DateTime >= a.DateTime && b.DateTime <= a.Expires).ToList()
            where qualifying.Count > 0
            select (a.Category, Final: qualifying.Max(b => b.Price));
        return
        [
            .. finals.GroupBy(f => f.Category)
                .Select(g => new object?[] { g.Key, (decimal)g.Sum(f => f.Final) / g.Count() }),
        ];
    }

    /// <summary>
    /// q5 (hot items): hop windows of 10s sliding by 2s (each bid is in five windows); per window the
    /// auctions whose bid count is the window's maximum (ties all reported); auction, count.
    /// </summary>
    public static List<object?[]> Q5(IEnumerable<NexmarkEvent> events)
    {
        var counts = new Dictionary<(DateTime Start, long Auction), long>();
        foreach (var bid in events.OfType<Bid>())
        {
            foreach (var start in EventTimeWindows.HopStarts(bid.DateTime, TwoSeconds, TenSeconds))
            {
                counts[(start, bid.Auction)] = counts.GetValueOrDefault((start, bid.Auction)) + 1;
            }
        }
        var maxPerWindow = counts.GroupBy(c => c.Key.Start).ToDictionary(g => g.Key, g => g.Max(c => c.Value));
        return
        [
            .. counts.Where(c => c.Value >= maxPerWindow[c.Key.Start])
                .Select(c => new object?[] { c.Key.Auction, c.Value }),
        ];
    }

    /// <summary>
    /// q7 (highest bid), mirroring the SQL text: per 10s tumbling window with end E the maximum price M;
    /// every bid whose price equals M and whose date_time lies in [E − 10s, E] — both ends included, so a
    /// bid at exactly E (the first instant of the next window) with price M matches too.
    /// </summary>
    public static List<object?[]> Q7(IEnumerable<NexmarkEvent> events)
    {
        var bids = events.OfType<Bid>().ToList();
        var maxByWindowEnd = bids.GroupBy(b => EventTimeWindows.TumbleStart(b.DateTime, TenSeconds) + TenSeconds)
            .Select(g => (End: g.Key, MaxPrice: g.Max(b => b.Price)));
        var bidsByPrice = bids.ToLookup(b => b.Price);
        return
        [
            .. from w in maxByWindowEnd
               from b in bidsByPrice[w.MaxPrice]
               where b.DateTime >= w.End - TenSeconds && b.DateTime <= w.End
               select new object?[] { b.Auction, b.Price, b.Bidder, b.DateTime },
        ];
    }

    /// <summary>
    /// q8 (monitor new users): people who opened an auction in the same 10s tumbling window in which
    /// they registered; id, name, window start — one row per (person, window) because both sides are grouped.
    /// </summary>
    public static List<object?[]> Q8(IEnumerable<NexmarkEvent> events)
    {
        var list = events as IReadOnlyList<NexmarkEvent> ?? [.. events];
        var people = list.OfType<Person>()
            .Select(p => (p.Id, p.Name, Start: EventTimeWindows.TumbleStart(p.DateTime, TenSeconds)))
            .Distinct();
        var sellers = list.OfType<Auction>()
            .Select(a => (a.Seller, Start: EventTimeWindows.TumbleStart(a.DateTime, TenSeconds)))
            .ToHashSet();
        return [.. people.Where(p => sellers.Contains((p.Id, p.Start))).Select(p => new object?[] { p.Id, p.Name, p.Start })];
    }
}
