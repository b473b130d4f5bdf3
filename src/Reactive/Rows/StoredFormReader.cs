using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Sluice.Data.Ingest;

namespace Sluice.Reactive.Rows;

/// <summary>
/// Decodes, straight from its bytes, an event in the form ingest stores a schema's events in: a flat object with no
/// whitespace, each field once, named exactly as a column, integers as written, unescaped text, ISO-8601 timestamps,
/// booleans and nulls. Every event of a stream with a schema is in that form, and reading it this way cost about half
/// of what a <see cref="System.Text.Json.Utf8JsonReader"/> did (docs/benchmarks.md, "Ingest, decode and encode from bytes").
/// Anything else (whitespace, escapes, other value forms, names matched only case-insensitively, invalid JSON) is
/// declined, and <see cref="RowDecoder"/> reads the event with the JSON reader as before, so both paths give the same row.
/// </summary>
internal sealed class StoredFormReader
{
    // Bytes that stand for themselves inside a JSON string, are valid UTF-8 alone, and are no control character.
    private static readonly SearchValues<byte> PlainAscii = SearchValues.Create(
        Enumerable.Range(0x20, 0x7F - 0x20).Select(b => (byte)b).Where(b => b is not ((byte)'"' or (byte)'\\')).ToArray());

    private readonly FlatObjectFields fields;
    private readonly ColumnType[] types;
    private readonly bool[] decodes;

    private StoredFormReader(byte[][] names, ColumnType[] types, bool[] decodes)
    {
        fields = new FlatObjectFields(names);
        this.types = types;
        this.decodes = decodes;
    }

    /// <summary>
    /// A reader for these columns, or null when it would decline every event: a decoded column of a type it does not
    /// read (untyped, double, decimal, json: their values are converted, not copied), or more than 64 columns.
    /// </summary>
    public static StoredFormReader? For(byte[][] names, ColumnType[] types, bool[] decodes)
    {
        // A name the JSON form would escape could match bytes of invalid JSON that the reader rejects.
        if (types.Length > 64 || names.Any(n => n.AsSpan().IndexOfAny((byte)'"', (byte)'\\') >= 0 || n.AsSpan().IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0))
        {
            return null;
        }
        for (var i = 0; i < types.Length; i++)
        {
            if (decodes[i] && types[i] is not (ColumnType.Bigint or ColumnType.Text or ColumnType.Timestamp or ColumnType.Boolean))
            {
                return null;
            }
        }
        return new StoredFormReader(names, types, decodes);
    }

    /// <summary>Fills <paramref name="row"/> (all NULL on entry) from <paramref name="json"/>; false, with the row in any state, when declined.</summary>
    public bool TryDecode(ReadOnlySpan<byte> json, object?[] row)
    {
        if (json.Length < 2 || json[0] != '{')
        {
            return false;
        }
        if (json[1] == '}')
        {
            return json.Length == 2;
        }
        var position = 1;
        var seen = 0UL;
        var index = -1;
        while (true)
        {
            index = fields.MatchNext(json, ref position, ref seen, index);
            if (index < 0)
            {
                return false;
            }
            var rest = json[position..];
            var length = decodes[index] ? ReadValue(rest, types[index], out row[index]) : SkipValue(rest);
            if (length <= 0)
            {
                return false;
            }
            position += length;
            var step = FlatObjectFields.AfterValue(json, ref position);
            if (step != FlatObjectStep.Next)
            {
                return step == FlatObjectStep.End;
            }
        }
    }


    /// <summary>The length of the value starting <paramref name="rest"/>, read as <paramref name="type"/> into <paramref name="value"/>; 0 when declined.</summary>
    private static int ReadValue(ReadOnlySpan<byte> rest, ColumnType type, out object? value)
    {
        value = null;
        if (rest.StartsWith("null"u8))
        {
            return 4;
        }
        switch (type)
        {
            case ColumnType.Bigint:
                var digits = JsonNumbers.IntegerLength(rest, out var whole);
                value = digits > 0 ? whole : null;
                return digits;
            case ColumnType.Text:
                var textLength = StringLength(rest);
                if (textLength > 0)
                {
                    value = Encoding.UTF8.GetString(rest[1..(textLength - 1)]);
                }
                return textLength;
            case ColumnType.Timestamp:
                var quoted = StringLength(rest);
                if (quoted <= 0 || !Iso8601.TryParse(rest[1..(quoted - 1)], out var instant))
                {
                    return 0;
                }
                value = instant.UtcDateTime;
                return quoted;
            case ColumnType.Boolean:
                if (rest.StartsWith("true"u8))
                {
                    value = true;
                    return 4;
                }
                if (rest.StartsWith("false"u8))
                {
                    value = false;
                    return 5;
                }
                return 0;
            default:
                return 0;
        }
    }

    /// <summary>The length of a value that is not decoded: a literal, a number or a string; 0 for anything else.</summary>
    private static int SkipValue(ReadOnlySpan<byte> rest)
    {
        if (rest.IsEmpty)
        {
            return 0;
        }
        return rest[0] switch
        {
            (byte)'"' => StringLength(rest),
            (byte)'n' => rest.StartsWith("null"u8) ? 4 : 0,
            (byte)'t' => rest.StartsWith("true"u8) ? 4 : 0,
            (byte)'f' => rest.StartsWith("false"u8) ? 5 : 0,
            _ => JsonNumbers.Length(rest),
        };
    }

    /// <summary>
    /// The length, quotes included, of a string with no escapes that the JSON reader accepts as it is (no control
    /// characters, valid UTF-8); 0 otherwise.
    /// </summary>
    private static int StringLength(ReadOnlySpan<byte> rest)
    {
        if (rest.IsEmpty || rest[0] != '"')
        {
            return 0;
        }
        var text = rest[1..];
        // Most text is printable ASCII: one pass to its closing quote checks all of it.
        var stop = text.IndexOfAnyExcept(PlainAscii);
        if (stop >= 0 && text[stop] == '"')
        {
            return stop + 2;
        }
        var close = text.IndexOfAny((byte)'"', (byte)'\\');
        if (close < 0 || text[close] != '"')
        {
            return 0;
        }
        var value = text[..close];
        if (value.IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0 || !Utf8.IsValid(value))
        {
            return 0;
        }
        return close + 2;
    }
}
