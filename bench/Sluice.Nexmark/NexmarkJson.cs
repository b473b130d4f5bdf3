using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Sluice.Nexmark;

/// <summary>Nexmark events as the JSON objects producers post: snake_case fields, timestamps as ISO-8601 UTC with milliseconds.</summary>
public static class NexmarkJson
{
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static string Format(DateTime timestamp) =>
        timestamp.ToUniversalTime().ToString(TimestampFormat, CultureInfo.InvariantCulture);

    public static string ToJson(NexmarkEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, e);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>One NDJSON body (<c>application/x-ndjson</c>): one object per line.</summary>
    public static byte[] ToNdjson(IEnumerable<NexmarkEvent> events)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        var options = new JsonWriterOptions { SkipValidation = true };
        using var writer = new Utf8JsonWriter(buffer, options);
        foreach (var e in events)
        {
            Write(writer, e);
            writer.Flush();
            buffer.Write("\n"u8);
            writer.Reset(buffer);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Splits <paramref name="events"/> into chunks of <paramref name="batchSize"/> generated events and each chunk
    /// into one NDJSON body per stream, in generation order; streams without events in a chunk get no body.
    /// </summary>
    public static IReadOnlyList<(string Stream, byte[] Body, int Count)> Batches(IReadOnlyList<NexmarkEvent> events, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var batches = new List<(string, byte[], int)>();
        for (var start = 0; start < events.Count; start += batchSize)
        {
            var chunk = events.Skip(start).Take(batchSize).ToList();
            foreach (var stream in NexmarkStreams.Names)
            {
                var ofStream = chunk.Where(e => e.Stream == stream).ToList();
                if (ofStream.Count > 0)
                {
                    batches.Add((stream, ToNdjson(ofStream), ofStream.Count));
                }
            }
        }
        return batches;
    }

    public static void Write(Utf8JsonWriter writer, NexmarkEvent e)
    {
        writer.WriteStartObject();
        switch (e)
        {
            case Person p:
                writer.WriteNumber("id", p.Id);
                writer.WriteString("name", p.Name);
                writer.WriteString("email_address", p.EmailAddress);
                writer.WriteString("credit_card", p.CreditCard);
                writer.WriteString("city", p.City);
                writer.WriteString("state", p.State);
                writer.WriteString("date_time", Format(p.DateTime));
                writer.WriteString("extra", p.Extra);
                break;
            case Auction a:
                writer.WriteNumber("id", a.Id);
                writer.WriteString("item_name", a.ItemName);
                writer.WriteString("description", a.Description);
                writer.WriteNumber("initial_bid", a.InitialBid);
                writer.WriteNumber("reserve", a.Reserve);
                writer.WriteString("date_time", Format(a.DateTime));
                writer.WriteString("expires", Format(a.Expires));
                writer.WriteNumber("seller", a.Seller);
                writer.WriteNumber("category", a.Category);
                writer.WriteString("extra", a.Extra);
                break;
            case Bid b:
                writer.WriteNumber("auction", b.Auction);
                writer.WriteNumber("bidder", b.Bidder);
                writer.WriteNumber("price", b.Price);
                writer.WriteString("channel", b.Channel);
                writer.WriteString("url", b.Url);
                writer.WriteString("date_time", Format(b.DateTime));
                writer.WriteString("extra", b.Extra);
                break;
            default:
                throw new ArgumentException($"Unknown event type {e.GetType().Name}.", nameof(e));
        }
        writer.WriteEndObject();
    }
}
