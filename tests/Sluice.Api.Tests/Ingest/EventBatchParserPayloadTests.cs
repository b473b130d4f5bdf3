using System.Text;
using Sluice.Data.Ingest;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Ingest;

/// <summary>Payloads of a parsed batch share arrays; each event must still see exactly its own bytes.</summary>
public sealed class EventBatchParserPayloadTests
{
    private static readonly DateTimeOffset Now = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Each_event_of_a_batch_larger_than_a_chunk_keeps_its_own_payload(bool withSchema)
    {
        var schema = withSchema ? new Dictionary<string, FieldType> { ["id"] = FieldType.Bigint, ["text"] = FieldType.Text } : null;
        var stream = new StreamDefinition("s", StorageKind.Memory, null, TimeSpan.Zero, 10_000, schema, Now);
        // 300 events of ~330 bytes plus one of 20 kB (larger than a quarter chunk): several chunks and one array of its own.
        var lines = Enumerable.Range(0, 300).Select(i => $$"""{"id":{{i}},"text":"{{new string((char)('a' + i % 26), 300)}}"}""").ToList();
        lines.Insert(150, $$"""{"id":-1,"text":"{{new string('z', 20_000)}}"}""");
        var body = Encoding.UTF8.GetBytes(string.Join('\n', lines));

        var parsed = EventBatchParser.Parse(body, BodyFormat.Ndjson, stream, Now);

        Assert.Null(parsed.Error);
        Assert.Equal(lines, parsed.Events.Select(e => Encoding.UTF8.GetString(e.Data.Span)));
    }

    [Fact]
    public void A_small_request_does_not_pin_a_whole_chunk_behind_its_event()
    {
        // Regression: one-event POSTs each left a 32 kB chunk behind a ~100-byte retained event (GBs for a full ring).
        var stream = new StreamDefinition("s", StorageKind.Memory, null, TimeSpan.Zero, 10_000, null, Now);
        var body = """{"auction":1007,"bidder":42,"price":1250}"""u8.ToArray();

        var parsed = EventBatchParser.Parse(body, BodyFormat.Json, stream, Now);

        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(parsed.Events.Single().Data, out var segment));
        Assert.True(segment.Array!.Length <= body.Length, $"the event pins {segment.Array.Length} bytes for a {body.Length}-byte body");
    }

    private static readonly Dictionary<string, FieldType> BidSchema = new()
    {
        ["auction"] = FieldType.Bigint, ["price"] = FieldType.Bigint, ["url"] = FieldType.Text, ["ok"] = FieldType.Boolean,
        ["date_time"] = FieldType.Timestamp, ["rate"] = FieldType.Double,
    };

    // An event already in the form the schema rewrite writes is stored as sent; any other is rewritten to that form.
    [Theory]
    [InlineData("""{"auction":1007,"price":-3,"url":"https://x.io/<a>&b","ok":true,"date_time":"2024-05-01T12:00:00.123Z"}""",
        """{"auction":1007,"price":-3,"url":"https://x.io/<a>&b","ok":true,"date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"url":null,"auction":5}""", """{"url":null,"auction":5}""")]
    [InlineData("""{"auction": 1007}""", """{"auction":1007}""")]
    [InlineData("""{"auction":1007,"bidder":42}""", """{"auction":1007}""")]
    [InlineData("""{"auction":-0}""", """{"auction":0}""")]
    [InlineData("""{"auction":"7"}""", """{"auction":7}""")]
    [InlineData("""{"auction":7.0}""", """{"auction":7}""")]
    [InlineData("""{"url":"a\u0062"}""", """{"url":"ab"}""")]
    [InlineData("""{"auction":1007,"url":"https://x.io/a?q=1\u0026channel_id=5","ok":true}""", """{"auction":1007,"url":"https://x.io/a?q=1&channel_id=5","ok":true}""")]
    [InlineData("""{"url":"\u003Ca\u003E\u0026\/","auction":5}""", """{"url":"<a>&/","auction":5}""")]
    [InlineData("""{"url":"a\u0026b", "auction":5}""", """{"url":"a&b","auction":5}""")]
    [InlineData("""{"url":"say \"hi\"","auction":5}""", """{"url":"say \"hi\"","auction":5}""")]
    [InlineData("""{"url":"caf\u00e9 \u0026 bar","auction":5}""", """{"url":"café & bar","auction":5}""")]
    [InlineData("""{"url":5}""", """{"url":"5"}""")]
    [InlineData("""{"url":"line\nbreak"}""", """{"url":"line\nbreak"}""")]
    [InlineData("""{"\u0075rl":"x"}""", """{"url":"x"}""")]
    [InlineData("""{"date_time":"2024-05-01T12:00:00.1234567Z"}""", """{"date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"date_time":"2024-05-01T14:00:00.000+02:00"}""", """{"date_time":"2024-05-01T12:00:00.000Z"}""")]
    // Timestamps of the stored form's length (24 bytes) in other shapes: a space for the T, four digits and no zone.
    [InlineData("""{"date_time":"2024-05-01 12:00:00.123Z"}""", """{"date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"date_time":"2024-05-01T12:00:00.1239"}""", """{"date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"date_time":1714564800000}""", """{"date_time":"2024-05-01T12:00:00.000Z"}""")]
    [InlineData("""{"ok":"true"}""", """{"ok":true}""")]
    [InlineData("""{"rate":1.50}""", """{"rate":1.5}""")]
    public void A_schema_event_is_stored_in_the_rewritten_form_whether_or_not_it_was_sent_in_it(string sent, string stored)
    {
        var stream = new StreamDefinition("s", StorageKind.Memory, null, TimeSpan.Zero, 10_000, BidSchema, Now);

        foreach (var (body, format) in new[] { (sent, BodyFormat.Json), (sent + "\n" + sent, BodyFormat.Ndjson) })
        {
            var parsed = EventBatchParser.Parse(Encoding.UTF8.GetBytes(body), format, stream, Now);

            Assert.Null(parsed.Error);
            Assert.All(parsed.Events, e => Assert.Equal(stored, Encoding.UTF8.GetString(e.Data.Span)));
        }
    }

    [Theory]
    [InlineData("""{"auction":1,"auction":2}""", "appears more than once")]
    [InlineData("""{"auction":1,"date_time":null}""", "is null")]
    [InlineData("""{"auction":1,"date_time":"yesterday"}""", "must be")]
    [InlineData("""{"auction":1}""", "is missing")]
    public void A_canonical_looking_event_still_gets_the_rewrite_paths_errors(string sent, string error)
    {
        var stream = new StreamDefinition("s", StorageKind.Memory, "date_time", TimeSpan.Zero, 10_000, BidSchema, Now);

        var parsed = EventBatchParser.Parse(Encoding.UTF8.GetBytes(sent), BodyFormat.Json, stream, Now);

        Assert.Contains(error, parsed.Error?.Detail);
    }

    [Fact]
    public void The_timestamp_field_of_a_canonical_event_is_its_event_time()
    {
        var stream = new StreamDefinition("s", StorageKind.Memory, "date_time", TimeSpan.Zero, 10_000, BidSchema, Now);

        var parsed = EventBatchParser.Parse("""{"auction":1,"date_time":"2024-05-01T12:00:00.123Z"}"""u8.ToArray(), BodyFormat.Json, stream, Now);

        Assert.Equal(new DateTimeOffset(2024, 5, 1, 12, 0, 0, 123, TimeSpan.Zero), parsed.Events.Single().Timestamp);
    }
}
