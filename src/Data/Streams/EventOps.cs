namespace Sluice.Data.Streams;

/// <summary>
/// The one place that turns an <see cref="EventOp"/> kept beside an event's data into the data the API shows
/// (SPEC §3/§5): the JSON object with <c>"op"</c> as its last field, as query output rows always had it.
/// </summary>
public static class EventOps
{
    private static ReadOnlySpan<byte> FieldStart => "\"op\":\""u8;

    /// <summary>The op's text on the wire (<c>+</c>, <c>-</c>, <c>reset</c>), or null for <see cref="EventOp.None"/>.</summary>
    public static string? Name(EventOp op) => op switch
    {
        EventOp.Insert => "+",
        EventOp.Delete => "-",
        EventOp.Reset => "reset",
        _ => null,
    };

    private static ReadOnlySpan<byte> Utf8Name(EventOp op) => op switch
    {
        EventOp.Insert => "+"u8,
        EventOp.Delete => "-"u8,
        EventOp.Reset => "reset"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "An op beside the data is needed."),
    };

    /// <summary>The length of <see cref="WriteWireData"/>'s output for <paramref name="data"/> and <paramref name="op"/>.</summary>
    public static int WireLength(ReadOnlySpan<byte> data, EventOp op)
    {
        if (op == EventOp.None)
        {
            return data.Length;
        }
        var (close, empty) = Shape(data);
        return close + (empty ? 0 : 1) + FieldStart.Length + Utf8Name(op).Length + 2;
    }

    /// <summary>
    /// Writes <paramref name="data"/> as the API shows it into <paramref name="destination"/> (at least
    /// <see cref="WireLength"/> bytes) and returns the bytes written: the data itself for <see cref="EventOp.None"/>,
    /// otherwise the object with <c>"op":"…"</c> added as its last field.
    /// </summary>
    public static int WriteWireData(ReadOnlySpan<byte> data, EventOp op, Span<byte> destination)
    {
        if (op == EventOp.None)
        {
            data.CopyTo(destination);
            return data.Length;
        }
        var (close, empty) = Shape(data);
        data[..close].CopyTo(destination);
        var at = close;
        if (!empty)
        {
            destination[at++] = (byte)',';
        }
        FieldStart.CopyTo(destination[at..]);
        at += FieldStart.Length;
        var name = Utf8Name(op);
        name.CopyTo(destination[at..]);
        at += name.Length;
        destination[at++] = (byte)'"';
        destination[at++] = (byte)'}';
        return at;
    }

    /// <summary>The data as the API shows it: <paramref name="data"/> itself for <see cref="EventOp.None"/>, else a new array.</summary>
    public static ReadOnlyMemory<byte> WireData(ReadOnlyMemory<byte> data, EventOp op)
    {
        if (op == EventOp.None)
        {
            return data;
        }
        var wire = new byte[WireLength(data.Span, op)];
        WriteWireData(data.Span, op, wire);
        return wire;
    }

    /// <summary>The data of <paramref name="stored"/> as the API shows it (see <see cref="WireData(ReadOnlyMemory{byte}, EventOp)"/>).</summary>
    public static ReadOnlyMemory<byte> WireData(this StoredEvent stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return WireData(stored.Data, stored.Op);
    }

    /// <summary>The data of <paramref name="event"/> as the API shows it (see <see cref="WireData(ReadOnlyMemory{byte}, EventOp)"/>).</summary>
    public static ReadOnlyMemory<byte> WireData(this NewEvent @event) => WireData(@event.Data, @event.Op);

    /// <summary>
    /// Where the object's closing brace is, and whether the object is empty. Data kept beside an op is written by the
    /// service itself (a query's row encoder, a reset), compact and without trailing whitespace, but whitespace is allowed.
    /// </summary>
    private static (int Close, bool Empty) Shape(ReadOnlySpan<byte> data)
    {
        var close = data.LastIndexOfAnyExcept(" \t\r\n"u8);
        var open = data.IndexOfAnyExcept(" \t\r\n"u8);
        if (close <= open || open < 0 || data[open] != '{' || data[close] != '}')
        {
            throw new ArgumentException("Data beside an op must be a JSON object.", nameof(data));
        }
        var inside = data[(open + 1)..close].IndexOfAnyExcept(" \t\r\n"u8);
        return (close, inside < 0);
    }
}
