using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Sluice.Data.Ingest;
using Sluice.Data.Streams;

namespace Sluice.Reactive.Rows;

/// <summary>
/// Decodes one event's UTF-8 JSON object into a row laid out as <see cref="QueryInput.Columns"/>,
/// in one forward pass: of its bytes when the event is in the form ingest stores (<see cref="StoredFormReader"/>), of a
/// <see cref="Utf8JsonReader"/> otherwise (a <see cref="JsonDocument"/> is built only for json values).
/// </summary>
/// <remarks>
/// <para>Field names match column names exactly; when no field matches exactly, an ASCII
/// case-insensitive match is taken, since SQL identifiers are case-insensitive.</para>
/// <para>A missing field, a JSON <c>null</c>, and a value that does not fit the column's declared type
/// all decode to NULL, like a failed <c>TRY_CAST</c>: streams with a schema were validated and coerced
/// at ingest, so a mismatch can only come from a schemaless payload, and one odd event must not stop a query.
/// Values that convert unambiguously are coerced as ingest does: numeric strings for numbers,
/// numbers and booleans for text, <c>"true"</c>/<c>"false"</c> for booleans, ISO-8601 strings or epoch
/// milliseconds for timestamps. Bigint accepts integral numbers only (<c>3.0</c> yes, <c>3.5</c> is NULL).</para>
/// <para><see cref="ColumnType.Any"/> columns take the JSON value as it comes: <see cref="long"/> for integral
/// numbers, <see cref="double"/> for others, <see cref="string"/>, <see cref="bool"/>, and a
/// <see cref="JsonElement"/> for objects and arrays.</para>
/// <para>A decoder may decode only some of the layout's columns (<see cref="RowDecoder(IReadOnlyList{ColumnInfo}, IReadOnlyList{bool}?)"/>):
/// the others stay NULL in the row and their values are skipped unread, which is most of the cost of a column that no
/// query reads (a string is a UTF-16 copy of its bytes).</para>
/// <para>A decoder holds no per-call state, so one instance may be shared; every call returns a new array.</para>
/// </remarks>
public sealed class RowDecoder
{
    private readonly ColumnType[] types;
    private readonly byte[][] names;
    private readonly bool[] decodes;
    private readonly StoredFormReader? storedForm;

    public RowDecoder(IReadOnlyList<ColumnInfo> columns)
        : this(columns, null)
    {
    }

    /// <summary>A decoder of the columns of <paramref name="columns"/> marked in <paramref name="decoded"/> (null: all of them).</summary>
    public RowDecoder(IReadOnlyList<ColumnInfo> columns, IReadOnlyList<bool>? decoded)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (decoded is not null && decoded.Count != columns.Count)
        {
            throw new ArgumentException("One flag per column is needed.", nameof(decoded));
        }
        types = columns.Select(c => c.Type).ToArray();
        names = columns.Select(c => Encoding.UTF8.GetBytes(c.Name)).ToArray();
        decodes = decoded?.ToArray() ?? Enumerable.Repeat(true, columns.Count).ToArray();
        storedForm = StoredFormReader.For(names, types, decodes);
    }

    public int ColumnCount => types.Length;

    /// <summary>Whether column <paramref name="index"/> is decoded (the others stay NULL).</summary>
    public bool Decodes(int index) => decodes[index];

    /// <summary>
    /// Decodes a stored event: its data, and the op kept beside it (<see cref="StoredEvent.Op"/>) as the data's last field,
    /// which is how the API shows it, so a query reading an updating query's output sees its <c>op</c> column either way.
    /// </summary>
    /// <exception cref="JsonException">The payload is not a well-formed JSON object.</exception>
    public object?[] Decode(StoredEvent stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.Op == EventOp.None)
        {
            return Decode(stored.Data.Span);
        }
        // Rare: the writer of an updating query's rows usually attaches them decoded (OutputRowMemo).
        var length = EventOps.WireLength(stored.Data.Span, stored.Op);
        var wire = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            return Decode(wire.AsSpan(0, EventOps.WriteWireData(stored.Data.Span, stored.Op, wire)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(wire);
        }
    }

    /// <summary>Decodes one JSON object.</summary>
    /// <exception cref="JsonException">The payload is not a well-formed JSON object.</exception>
    public object?[] Decode(ReadOnlySpan<byte> json)
    {
        var row = new object?[types.Length];
        if (types.Length == 0 || (storedForm is not null && storedForm.TryDecode(json, row)))
        {
            return row;
        }
        Array.Clear(row);
        return DecodeWithReader(json, row);
    }

    /// <summary>Decodes one JSON object with the JSON reader, whatever its form, into <paramref name="row"/> (all NULL on entry).</summary>
    internal object?[] DecodeWithReader(ReadOnlySpan<byte> json, object?[] row)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("An event payload must be a JSON object.");
        }
        Span<bool> exact = types.Length <= 256 ? stackalloc bool[types.Length] : new bool[types.Length];
        var hint = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var index = Match(ref reader, hint, out var isExact);
            reader.Read();
            if (index < 0 || (!isExact && exact[index]))
            {
                reader.Skip();
                continue;
            }
            hint = index + 1;
            if (!decodes[index])
            {
                reader.Skip();
                continue;
            }
            row[index] = ReadValue(ref reader, types[index]);
            exact[index] |= isExact;
        }
        return row;
    }

    private int Match(ref Utf8JsonReader reader, int hint, out bool isExact)
    {
        // Payload fields usually come in column order (ingest writes schema fields in order), so try the next column first.
        if (hint < names.Length && reader.ValueTextEquals(names[hint]))
        {
            isExact = true;
            return hint;
        }
        for (var i = 0; i < names.Length; i++)
        {
            if (i != hint && reader.ValueTextEquals(names[i]))
            {
                isExact = true;
                return i;
            }
        }
        isExact = false;
        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            return -1;
        }
        var name = reader.ValueSpan;
        for (var i = 0; i < names.Length; i++)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(name, names[i]))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Reads the value at the reader's current token as <paramref name="type"/>; leaves the reader on the value's last token.</summary>
    public static object? ReadValue(ref Utf8JsonReader reader, ColumnType type)
    {
        var token = reader.TokenType;
        if (token == JsonTokenType.Null)
        {
            return null;
        }
        if (type == ColumnType.Json)
        {
            return JsonElement.ParseValue(ref reader);
        }
        if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            if (type == ColumnType.Any)
            {
                return JsonElement.ParseValue(ref reader);
            }
            reader.Skip();
            return null;
        }
        return type switch
        {
            ColumnType.Bigint => ReadBigint(ref reader),
            ColumnType.Double => ReadDouble(ref reader),
            ColumnType.Decimal => ReadDecimal(ref reader),
            ColumnType.Text => ReadText(ref reader),
            ColumnType.Boolean => ReadBoolean(ref reader),
            ColumnType.Timestamp => EventTimestamps.TryReadUtc(ref reader, out var instant) ? instant : null,
            _ => ReadAny(ref reader),
        };
    }

    private static object? ReadBigint(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetInt64(out var whole))
            {
                return whole;
            }
            return reader.TryGetDouble(out var real) && IsIntegral(real) ? (long)real : null;
        }
        if (reader.TokenType == JsonTokenType.String)
        {
            return long.TryParse(reader.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        }
        return null;
    }

    private static bool IsIntegral(double value) =>
        double.IsFinite(value) && Math.Floor(value) == value && value >= long.MinValue && value < long.MaxValue;

    private static object? ReadDouble(ref Utf8JsonReader reader)
    {
        double value;
        var ok = reader.TokenType switch
        {
            JsonTokenType.Number => reader.TryGetDouble(out value),
            JsonTokenType.String => double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value),
            _ => Fail(out value),
        };
        return ok && double.IsFinite(value) ? value : null;
    }

    private static object? ReadDecimal(ref Utf8JsonReader reader)
    {
        decimal value;
        var ok = reader.TokenType switch
        {
            JsonTokenType.Number => reader.TryGetDecimal(out value),
            JsonTokenType.String => decimal.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value),
            _ => Fail(out value),
        };
        return ok ? value : null;
    }

    private static object? ReadText(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan),
        _ => null,
    };

    private static object? ReadBoolean(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        JsonTokenType.String => bool.TryParse(reader.GetString(), out var flag) ? flag : null,
        _ => null,
    };

    private static object? ReadAny(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out var whole))
                {
                    return whole;
                }
                return reader.TryGetDouble(out var real) && double.IsFinite(real) ? real : null;
            default:
                return null;
        }
    }

    private static bool Fail<T>(out T value)
    {
        value = default!;
        return false;
    }
}
