using System.Buffers.Text;

namespace Sluice.Fanout;

/// <summary>What one SignalR JSON-protocol record is, as far as a fan-out subscriber needs to know.</summary>
public enum HubRecordKind
{
    /// <summary>A stream item (type 2): an event.</summary>
    Item,
    /// <summary>A completion (type 3): the subscription ended, with or without an error.</summary>
    Completion,
    /// <summary>A ping (type 6).</summary>
    Ping,
    /// <summary>A close (type 7): the service closes the connection.</summary>
    Close,
    /// <summary>The handshake answer (<c>{}</c>, or <c>{"error":…}</c>).</summary>
    Handshake,
    /// <summary>Anything else (invocations, cancellations): not expected on a subscriber's connection.</summary>
    Other,
}

/// <summary>
/// Reads SignalR JSON-protocol records (docs/live.md, SPEC §5) by scanning for the few properties a subscriber checks,
/// instead of parsing whole documents: the client's CPU per delivery is what the fan-out benchmark must keep small.
/// It relies on the service writing <c>"type"</c> first and an item's <c>offset</c> first, as SignalR's JSON
/// protocol and the event encoding do; a record that does not look like that is classified <see cref="HubRecordKind.Other"/>.
/// </summary>
public static class HubRecords
{
    public const byte Separator = 0x1E;

    private static ReadOnlySpan<byte> TypeStart => "{\"type\":"u8;
    private static ReadOnlySpan<byte> OffsetProperty => "\"offset\":"u8;
    private static ReadOnlySpan<byte> DataProperty => "\"data\":"u8;
    private static ReadOnlySpan<byte> SentAtProperty => "\"t\":"u8;
    private static ReadOnlySpan<byte> ErrorProperty => "\"error\":"u8;

    /// <summary>The kind of one record (without its separator).</summary>
    public static HubRecordKind Classify(ReadOnlySpan<byte> record)
    {
        if (!record.StartsWith(TypeStart))
        {
            return record.SequenceEqual("{}"u8) || record.StartsWith("{\"error\""u8) ? HubRecordKind.Handshake : HubRecordKind.Other;
        }
        var rest = record[TypeStart.Length..];
        // Single-digit types, followed by ',' or '}'.
        if (rest.Length < 2 || rest[1] is not ((byte)',' or (byte)'}'))
        {
            return HubRecordKind.Other;
        }
        return rest[0] switch
        {
            (byte)'2' => HubRecordKind.Item,
            (byte)'3' => HubRecordKind.Completion,
            (byte)'6' => HubRecordKind.Ping,
            (byte)'7' => HubRecordKind.Close,
            _ => HubRecordKind.Other,
        };
    }

    /// <summary>The item's <c>offset</c>, or -1 when the record has none.</summary>
    public static long Offset(ReadOnlySpan<byte> item)
    {
        var at = item.IndexOf(OffsetProperty);
        return at >= 0 && Utf8Parser.TryParse(item[(at + OffsetProperty.Length)..], out long offset, out _) ? offset : -1;
    }

    /// <summary>The pacer's send time <c>t</c> (Unix milliseconds) inside the item's <c>data</c>, or NaN.</summary>
    public static double SentAtMs(ReadOnlySpan<byte> item)
    {
        var data = item.IndexOf(DataProperty);
        if (data < 0)
        {
            return double.NaN;
        }
        var inData = item[(data + DataProperty.Length)..];
        var at = inData.IndexOf(SentAtProperty);
        return at >= 0 && Utf8Parser.TryParse(inData[(at + SentAtProperty.Length)..], out double sentAt, out _) ? sentAt : double.NaN;
    }

    /// <summary>The text of a completion's or close's <c>error</c>, or null when it has none.</summary>
    public static string? Error(ReadOnlySpan<byte> record)
    {
        var at = record.IndexOf(ErrorProperty);
        if (at < 0)
        {
            return null;
        }
        var rest = record[(at + ErrorProperty.Length)..];
        var end = rest.IndexOf("\","u8);
        if (end < 0)
        {
            end = rest.IndexOf("\"}"u8);
        }
        return System.Text.Encoding.UTF8.GetString(end > 0 ? rest[1..end] : rest);
    }
}
