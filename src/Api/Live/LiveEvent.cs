using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sluice.Api.Infrastructure;
using Sluice.Data.Streams;

namespace Sluice.Api.Live;

/// <summary>
/// An event as a live subscriber receives it: <c>{ offset, timestamp, data, op? }</c>.
/// <para>
/// Its JSON is encoded once, when the event is made, and written raw to every connection that
/// sends it, so fanning one event out to N subscribers costs one encoding, not N (the instance is a memo on the stream's tail entry, shared by its subscribers; see <see cref="SubscriptionPump"/>).
/// </para>
/// </summary>
[JsonConverter(typeof(LiveEventConverter))]
public sealed class LiveEvent
{
    private LiveEvent(long offset, DateTimeOffset timestamp, RawJson data, string? op, byte[] json)
    {
        Offset = offset;
        Timestamp = timestamp;
        Data = data;
        Op = op;
        Json = json;
    }

    /// <summary>The event's offset in its stream; resume from <c>Offset + 1</c>.</summary>
    public long Offset { get; }

    /// <summary>Event time.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The event's JSON object, as stored.</summary>
    public RawJson Data { get; }

    /// <summary><c>"+"</c> or <c>"-"</c> for rows of an updating query's output stream, <c>"reset"</c> where a replaced query's output starts over (the op beside the stored data, or <c>data.op</c> as a producer wrote it); absent otherwise.</summary>
    public string? Op { get; }

    /// <summary>The whole event as UTF-8 JSON, exactly as it goes on the wire.</summary>
    internal byte[] Json { get; }

    internal static LiveEvent From(StoredEvent stored)
    {
        // A query's rows carry their op beside the data; other events may carry one inside, as their producer wrote it.
        var op = stored.Op != EventOp.None ? EventOps.Name(stored.Op) : ChangeOps.Find(stored.Data.Span);
        var data = stored.WireData();
        var buffer = new ArrayBufferWriter<byte>(data.Length + 96);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            // Same names, order and formats as System.Text.Json with JsonDefaults gave this record before.
            writer.WriteStartObject();
            writer.WriteNumber("offset"u8, stored.Offset);
            writer.WriteString("timestamp"u8, stored.Timestamp.UtcDateTime);
            writer.WritePropertyName("data"u8);
            writer.WriteRawValue(data.Span, skipInputValidation: true);
            if (op is not null)
            {
                writer.WriteString("op"u8, op);
            }
            writer.WriteEndObject();
        }
        return new LiveEvent(stored.Offset, stored.Timestamp, new RawJson(data), op, buffer.WrittenSpan.ToArray());
    }

    internal static LiveEvent Read(ref Utf8JsonReader reader)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var data = JsonSerializer.SerializeToUtf8Bytes(root.GetProperty("data"));
        var op = root.TryGetProperty("op", out var o) ? o.GetString() : null;
        return new LiveEvent(root.GetProperty("offset").GetInt64(), root.GetProperty("timestamp").GetDateTimeOffset(), new RawJson(data), op,
            JsonSerializer.SerializeToUtf8Bytes(root));
    }
}

/// <summary>Writes a <see cref="LiveEvent"/>'s pre-encoded JSON as it is.</summary>
internal sealed class LiveEventConverter : JsonConverter<LiveEvent>
{
    public override LiveEvent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => LiveEvent.Read(ref reader);

    public override void Write(Utf8JsonWriter writer, LiveEvent value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Json, skipInputValidation: true);
}
