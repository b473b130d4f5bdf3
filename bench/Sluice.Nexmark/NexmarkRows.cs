namespace Sluice.Nexmark;

/// <summary>
/// Nexmark events as engine rows: values in the order of a query input's column list, matched by name,
/// boxed as the engine expects (bigint → long, timestamp → UTC DateTime, text → string).
/// </summary>
public static class NexmarkRows
{
    /// <summary>A converter for events of <paramref name="stream"/> into rows with <paramref name="columnNames"/>.</summary>
    /// <exception cref="ArgumentException">A column is not a field of the stream.</exception>
    public static Func<NexmarkEvent, object?[]> Layout(string stream, IReadOnlyList<string> columnNames)
    {
        var getters = columnNames.Select(name => Getter(stream, name)).ToArray();
        return e =>
        {
            var row = new object?[getters.Length];
            for (var i = 0; i < getters.Length; i++)
            {
                row[i] = getters[i](e);
            }
            return row;
        };
    }

    /// <summary>The value of <paramref name="field"/>, boxed as the engine expects.</summary>
    public static object? Value(NexmarkEvent e, string field) => Getter(e.Stream, field)(e);

    private static Func<NexmarkEvent, object?> Getter(string stream, string field) => (stream, field.ToLowerInvariant()) switch
    {
        (NexmarkStreams.Person, "id") => e => ((Person)e).Id,
        (NexmarkStreams.Person, "name") => e => ((Person)e).Name,
        (NexmarkStreams.Person, "email_address") => e => ((Person)e).EmailAddress,
        (NexmarkStreams.Person, "credit_card") => e => ((Person)e).CreditCard,
        (NexmarkStreams.Person, "city") => e => ((Person)e).City,
        (NexmarkStreams.Person, "state") => e => ((Person)e).State,
        (NexmarkStreams.Person, "date_time") => e => e.DateTime,
        (NexmarkStreams.Person, "extra") => e => ((Person)e).Extra,
        (NexmarkStreams.Auction, "id") => e => ((Auction)e).Id,
        (NexmarkStreams.Auction, "item_name") => e => ((Auction)e).ItemName,
        (NexmarkStreams.Auction, "description") => e => ((Auction)e).Description,
        (NexmarkStreams.Auction, "initial_bid") => e => ((Auction)e).InitialBid,
        (NexmarkStreams.Auction, "reserve") => e => ((Auction)e).Reserve,
        (NexmarkStreams.Auction, "date_time") => e => e.DateTime,
        (NexmarkStreams.Auction, "expires") => e => ((Auction)e).Expires,
        (NexmarkStreams.Auction, "seller") => e => ((Auction)e).Seller,
        (NexmarkStreams.Auction, "category") => e => ((Auction)e).Category,
        (NexmarkStreams.Auction, "extra") => e => ((Auction)e).Extra,
        (NexmarkStreams.Bid, "auction") => e => ((Bid)e).Auction,
        (NexmarkStreams.Bid, "bidder") => e => ((Bid)e).Bidder,
        (NexmarkStreams.Bid, "price") => e => ((Bid)e).Price,
        (NexmarkStreams.Bid, "channel") => e => ((Bid)e).Channel,
        (NexmarkStreams.Bid, "url") => e => ((Bid)e).Url,
        (NexmarkStreams.Bid, "date_time") => e => e.DateTime,
        (NexmarkStreams.Bid, "extra") => e => ((Bid)e).Extra,
        _ => throw new ArgumentException($"Stream '{stream}' has no field '{field}'.", nameof(field)),
    };
}
