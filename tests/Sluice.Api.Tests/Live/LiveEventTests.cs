using System.Text;
using System.Text.Json;
using Sluice.Api.Infrastructure;
using Sluice.Api.Live;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Live;

public sealed class LiveEventTests
{
    private static readonly DateTimeOffset Time = new(2026, 11, 25, 16, 0, 0, 123, TimeSpan.Zero);

    private static StoredEvent Stored(long offset, string data) => new(offset, Time, Time, Encoding.UTF8.GetBytes(data));

    /// <summary>What the hub sent before events were pre-encoded: the record serialized with the API's JSON defaults.</summary>
    private static string SerializedAsBefore(long offset, string data, string? op)
    {
        var options = new JsonSerializerOptions();
        JsonDefaults.Configure(options);
        return JsonSerializer.Serialize(new { Offset = offset, Timestamp = Time, Data = new RawJson(Encoding.UTF8.GetBytes(data)), Op = op }, options);
    }

    [Theory]
    [InlineData("""{"sensor":"s1","value":2.5,"nested":{"a":[1,2]}}""", null)]
    [InlineData("""{"op":"+","k":"x","n":3}""", "+")]
    [InlineData("""{"k":"x","op":"-"}""", "-")]
    public void Encoded_event_is_byte_for_byte_what_the_serializer_wrote_before(string data, string? op)
    {
        var live = LiveEvent.From(Stored(42, data));

        Assert.Equal(SerializedAsBefore(42, data, op), Encoding.UTF8.GetString(live.Json));
        Assert.Contains("\"timestamp\":\"2026-11-25T16:00:00.123Z\"", Encoding.UTF8.GetString(live.Json), StringComparison.Ordinal);
        Assert.Equal(op, live.Op);
    }

    [Fact]
    public void Converter_writes_the_encoded_event_and_reads_it_back()
    {
        var live = LiveEvent.From(Stored(7, """{"op":"-","v":1}"""));

        var json = JsonSerializer.Serialize(live);
        var back = JsonSerializer.Deserialize<LiveEvent>(json)!;

        Assert.Equal(Encoding.UTF8.GetString(live.Json), json);
        Assert.Equal((7L, Time, "-"), (back.Offset, back.Timestamp, back.Op));
        Assert.Equal("""{"op":"-","v":1}""", Encoding.UTF8.GetString(back.Data.Utf8.Span));
    }

    [Fact]
    public void Cache_gives_every_subscriber_of_an_offset_the_same_encoded_event()
    {
        var cache = new LiveEventCache(16);
        var stored = Stored(3, """{"v":3}""");

        Assert.Same(cache.Get(stored), cache.Get(stored));
    }

    [Fact]
    public void Cache_encodes_again_for_a_different_stored_event_at_the_same_offset()
    {
        // A stream deleted and recreated under the same name starts its offsets again.
        var cache = new LiveEventCache(16);
        var first = cache.Get(Stored(3, """{"v":"old"}"""));

        var second = cache.Get(Stored(3, """{"v":"new"}"""));

        Assert.NotSame(first, second);
        Assert.Contains("new", Encoding.UTF8.GetString(second.Json), StringComparison.Ordinal);
    }

    [Fact]
    public void Cache_keeps_the_newer_offset_when_a_replaying_subscriber_reads_an_older_one_in_its_slot()
    {
        var cache = new LiveEventCache(16);
        var head = Stored(35, """{"v":35}""");
        var headEvent = cache.Get(head);

        var old = cache.Get(Stored(3, """{"v":3}"""));

        Assert.Equal(3, old.Offset);
        Assert.Same(headEvent, cache.Get(head));
    }
}
