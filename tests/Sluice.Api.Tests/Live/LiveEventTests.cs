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

    [Theory]
    [InlineData("""{"k":"x","n":3}""", EventOp.Insert, """{"k":"x","n":3,"op":"+"}""", "+")]
    [InlineData("""{"k":"x"}""", EventOp.Delete, """{"k":"x","op":"-"}""", "-")]
    [InlineData("{}", EventOp.Reset, """{"op":"reset"}""", "reset")]
    public void An_op_kept_beside_the_data_goes_out_as_when_it_was_the_datas_last_field(string data, EventOp op, string shown, string expectedOp)
    {
        var live = LiveEvent.From(Stored(42, data) with { Op = op });

        Assert.Equal(SerializedAsBefore(42, shown, expectedOp), Encoding.UTF8.GetString(live.Json));
        Assert.Equal(expectedOp, live.Op);
        Assert.Equal(shown, Encoding.UTF8.GetString(live.Data.Utf8.Span));
    }

    [Theory]
    [InlineData("""{"\u006fp":"-","v":1}""", "-")]
    [InlineData("""{"v":"op","w":{"op":"+"}}""", null)]
    [InlineData("""{"text":"a \"quoted\" word"}""", null)]
    public void An_op_a_producer_wrote_is_found_however_it_is_spelled_and_only_at_the_top_level(string data, string? op) =>
        Assert.Equal(op, LiveEvent.From(Stored(1, data)).Op);

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
    public async Task Every_subscriber_of_an_event_gets_the_same_encoding()
    {
        var log = await MemoryLogAsync();
        await log.AppendAsync([new NewEvent(Time, Encoding.UTF8.GetBytes("""{"v":3}"""))], CancellationToken.None);
        var memo = log.Tail.Memo<LiveEvent>(SubscriptionPump.EncodingMemo);

        var first = memo.GetOrAdd(await EntryAsync(log, 0), static (stored, _) => LiveEvent.From(stored), 0);
        var second = memo.GetOrAdd(await EntryAsync(log, 0), static (stored, _) => LiveEvent.From(stored), 0);

        Assert.Same(first, second);
        Assert.Equal(1, memo.Computed);
    }

    [Fact]
    public async Task A_stream_recreated_under_the_same_name_encodes_its_own_events()
    {
        // A stream deleted and recreated under the same name starts its offsets again, with a fresh tail.
        var old = await MemoryLogAsync();
        await old.AppendAsync([new NewEvent(Time, Encoding.UTF8.GetBytes("""{"v":"old"}"""))], CancellationToken.None);
        var first = old.Tail.Memo<LiveEvent>(SubscriptionPump.EncodingMemo).GetOrAdd(await EntryAsync(old, 0), static (stored, _) => LiveEvent.From(stored), 0);
        var recreated = await MemoryLogAsync();
        await recreated.AppendAsync([new NewEvent(Time, Encoding.UTF8.GetBytes("""{"v":"new"}"""))], CancellationToken.None);

        var second = recreated.Tail.Memo<LiveEvent>(SubscriptionPump.EncodingMemo).GetOrAdd(await EntryAsync(recreated, 0), static (stored, _) => LiveEvent.From(stored), 0);

        Assert.NotSame(first, second);
        Assert.Contains("new", Encoding.UTF8.GetString(second.Json), StringComparison.Ordinal);
    }

    private static async Task<StreamLog> MemoryLogAsync() =>
        await new Sluice.Data.Memory.MemoryStreamEngine(TimeProvider.System).CreateAsync(
            new StreamDefinition("live", StorageKind.Memory, null, TimeSpan.Zero, 16, null, DateTimeOffset.UnixEpoch), CancellationToken.None);

    private static async Task<TailEntry> EntryAsync(StreamLog log, long offset) =>
        ((CursorRead.Events)await log.OpenCursor(offset).ReadAsync(1, CancellationToken.None)).Entries[0];
}
