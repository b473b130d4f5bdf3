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
}
