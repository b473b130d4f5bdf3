namespace Sluice.Nexmark;

/// <summary>One generated Nexmark event; <see cref="Stream"/> names the stream it belongs to.</summary>
/// <param name="DateTime">Event time (UTC, millisecond precision), the streams' <c>date_time</c> field.</param>
public abstract record NexmarkEvent(DateTime DateTime)
{
    public abstract string Stream { get; }
}

/// <summary>A person who sells or bids (stream <c>person</c>).</summary>
public sealed record Person(
    long Id,
    string Name,
    string EmailAddress,
    string CreditCard,
    string City,
    string State,
    DateTime DateTime,
    string Extra) : NexmarkEvent(DateTime)
{
    public override string Stream => NexmarkStreams.Person;
}

/// <summary>An item put up for auction by <see cref="Seller"/> (stream <c>auction</c>).</summary>
public sealed record Auction(
    long Id,
    string ItemName,
    string Description,
    long InitialBid,
    long Reserve,
    DateTime DateTime,
    DateTime Expires,
    long Seller,
    long Category,
    string Extra) : NexmarkEvent(DateTime)
{
    public override string Stream => NexmarkStreams.Auction;
}

/// <summary>A bid of <see cref="Price"/> cents by person <see cref="Bidder"/> on auction <see cref="Auction"/> (stream <c>bid</c>).</summary>
public sealed record Bid(
    long Auction,
    long Bidder,
    long Price,
    string Channel,
    string Url,
    DateTime DateTime,
    string Extra) : NexmarkEvent(DateTime)
{
    public override string Stream => NexmarkStreams.Bid;
}
