using System.Globalization;
using System.Text;

namespace Sluice.Load;

/// <summary>Bid-shaped events of about 100 bytes each, as the Nexmark bid stream carries them.</summary>
internal static class BidEvents
{
    public static readonly object StreamSchema = new Dictionary<string, string>
    {
        ["auction"] = "bigint", ["bidder"] = "bigint", ["price"] = "bigint", ["channel"] = "text",
        ["url"] = "text", ["date_time"] = "timestamp", ["extra"] = "text",
    };

    public static string One(long sequence)
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000 + sequence).UtcDateTime;
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"auction":{{1000 + sequence % 997}},"bidder":{{2000 + sequence % 9973}},"price":{{100 + sequence % 5000}},"channel":"web","url":"https://x.io/{{sequence % 100}}","date_time":"{{at:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}}","extra":""}""");
    }

    public static byte[] Ndjson(long firstSequence, int count)
    {
        var builder = new StringBuilder(count * 128);
        for (var i = 0; i < count; i++)
        {
            builder.Append(One(firstSequence + i)).Append('\n');
        }
        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}
