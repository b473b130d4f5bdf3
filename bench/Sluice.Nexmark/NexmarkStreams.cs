using System.Text.Json.Nodes;

namespace Sluice.Nexmark;

/// <summary>
/// The three Nexmark streams as the service defines them (SPEC §4): ids and numbers bigint,
/// <c>date_time</c>/<c>expires</c> timestamp, the rest text; event time from <c>date_time</c>.
/// </summary>
public static class NexmarkStreams
{
    public const string Person = "person";
    public const string Auction = "auction";
    public const string Bid = "bid";

    public const string TimestampField = "date_time";

    public static readonly IReadOnlyList<string> Names = [Person, Auction, Bid];

    /// <summary>Field name → schema type name, in the order of the standard Nexmark field lists.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> PersonSchema =
    [
        new("id", "bigint"), new("name", "text"), new("email_address", "text"), new("credit_card", "text"),
        new("city", "text"), new("state", "text"), new("date_time", "timestamp"), new("extra", "text"),
    ];

    public static readonly IReadOnlyList<KeyValuePair<string, string>> AuctionSchema =
    [
        new("id", "bigint"), new("item_name", "text"), new("description", "text"), new("initial_bid", "bigint"),
        new("reserve", "bigint"), new("date_time", "timestamp"), new("expires", "timestamp"), new("seller", "bigint"),
        new("category", "bigint"), new("extra", "text"),
    ];

    public static readonly IReadOnlyList<KeyValuePair<string, string>> BidSchema =
    [
        new("auction", "bigint"), new("bidder", "bigint"), new("price", "bigint"), new("channel", "text"),
        new("url", "text"), new("date_time", "timestamp"), new("extra", "text"),
    ];

    public static IReadOnlyList<KeyValuePair<string, string>> SchemaOf(string stream) => stream switch
    {
        Person => PersonSchema,
        Auction => AuctionSchema,
        Bid => BidSchema,
        _ => throw new ArgumentException($"'{stream}' is not a Nexmark stream.", nameof(stream)),
    };

    /// <summary>The body of <c>POST /api/streams</c> that creates <paramref name="stream"/>.</summary>
    public static JsonObject Definition(string stream, string storage = "memory", int? capacity = null, string watermarkDelay = "0s")
    {
        var schema = new JsonObject();
        foreach (var (field, type) in SchemaOf(stream))
        {
            schema[field] = type;
        }
        var body = new JsonObject
        {
            ["name"] = stream,
            ["storage"] = storage,
            ["timestampField"] = TimestampField,
            ["watermarkDelay"] = watermarkDelay,
            ["schema"] = schema,
        };
        if (capacity is { } kept)
        {
            body["capacity"] = kept;
        }
        return body;
    }

    /// <summary>Bodies creating all three streams.</summary>
    public static IReadOnlyList<JsonObject> Definitions(string storage = "memory", int? capacity = null) =>
        [.. Names.Select(name => Definition(name, storage, capacity))];
}
