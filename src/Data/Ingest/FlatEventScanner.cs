using System.Text;

namespace Sluice.Data.Ingest;

/// <summary>
/// Reads, straight from its bytes, one whole event for a stream without a schema when it is a flat object (no nested
/// object or array): such an event is stored as sent, so all ingest needs is that it is valid JSON and its event-time
/// field's instant. A <see cref="System.Text.Json.Utf8JsonReader"/> skipping every value cost about a fifth more
/// (docs/benchmarks.md, "Ingest, decode and encode from bytes"). Nested values, a name with escapes, an event-time
/// value in any form but an ISO-8601 string or whole epoch milliseconds, the field given twice, and everything invalid
/// are declined, and the reader path reads the event and words any error. The caller has checked the bytes are UTF-8.
/// </summary>
internal sealed class FlatEventScanner(string? timestampField)
{
    private readonly byte[]? timestampName = timestampField is null ? null : Encoding.UTF8.GetBytes(timestampField);

    /// <summary>
    /// Whether <paramref name="json"/> is one flat object with only whitespace around it; then the object is
    /// <paramref name="json"/>[<paramref name="start"/>..<paramref name="end"/>] and <paramref name="timestamp"/> its
    /// event-time field's instant (null when it lacks the field, or the stream has none).
    /// </summary>
    public bool TryScan(ReadOnlySpan<byte> json, out int start, out int end, out DateTimeOffset? timestamp)
    {
        timestamp = null;
        end = 0;
        start = SkipWhitespace(json, 0);
        if (start >= json.Length || json[start] != '{')
        {
            return false;
        }
        var at = SkipWhitespace(json, start + 1);
        if (at < json.Length && json[at] == '}')
        {
            end = at + 1;
            return SkipWhitespace(json, end) == json.Length;
        }
        while (true)
        {
            var nameLength = StringLength(json[at..], out var escaped);
            if (nameLength <= 0 || escaped)
            {
                return false;
            }
            var isTimestamp = timestampName is not null && json.Slice(at + 1, nameLength - 2).SequenceEqual(timestampName);
            at = SkipWhitespace(json, at + nameLength);
            if (at >= json.Length || json[at] != ':')
            {
                return false;
            }
            at = SkipWhitespace(json, at + 1);
            var valueLength = isTimestamp ? ReadTimestamp(json[at..], ref timestamp) : ValueLength(json[at..]);
            if (valueLength <= 0)
            {
                return false;
            }
            at = SkipWhitespace(json, at + valueLength);
            if (at >= json.Length)
            {
                return false;
            }
            if (json[at] == '}')
            {
                end = at + 1;
                return SkipWhitespace(json, end) == json.Length;
            }
            if (json[at] != ',')
            {
                return false;
            }
            at = SkipWhitespace(json, at + 1);
        }
    }

    /// <summary>The length of the event-time value, read into <paramref name="timestamp"/>; 0 to decline (given twice, or a form the reader path reads).</summary>
    private static int ReadTimestamp(ReadOnlySpan<byte> rest, ref DateTimeOffset? timestamp)
    {
        if (timestamp is not null || rest.IsEmpty)
        {
            return 0;
        }
        if (rest[0] == '"')
        {
            var length = StringLength(rest, out var escaped);
            if (length <= 0 || escaped || !Iso8601.TryParse(rest[1..(length - 1)], out var instant))
            {
                return 0;
            }
            timestamp = instant;
            return length;
        }
        var digits = 0;
        var millis = 0L;
        while (digits < rest.Length && digits < 18 && (uint)(rest[digits] - '0') <= 9)
        {
            millis = millis * 10 + (rest[digits] - '0');
            digits++;
        }
        // Whole epoch milliseconds without a leading zero; a sign, fraction or exponent is left to the reader path.
        if (digits == 0 || (rest[0] == '0' && digits > 1) || (digits < rest.Length && IsNumberPart(rest[digits]))
            || !EventTimestamps.TryFromEpochMilliseconds(millis, out var fromEpoch))
        {
            return 0;
        }
        timestamp = fromEpoch;
        return digits;
    }

    private static bool IsNumberPart(byte b) => (uint)(b - '0') <= 9 || b is (byte)'.' or (byte)'e' or (byte)'E' or (byte)'+' or (byte)'-';

    /// <summary>The length of a value that is a string, a number or a literal; 0 for anything else (nested values included).</summary>
    private static int ValueLength(ReadOnlySpan<byte> rest)
    {
        if (rest.IsEmpty)
        {
            return 0;
        }
        return rest[0] switch
        {
            (byte)'"' => StringLength(rest, out _),
            (byte)'n' => rest.StartsWith("null"u8) ? 4 : 0,
            (byte)'t' => rest.StartsWith("true"u8) ? 4 : 0,
            (byte)'f' => rest.StartsWith("false"u8) ? 5 : 0,
            _ => JsonNumbers.Length(rest),
        };
    }

    /// <summary>
    /// The length, quotes included, of a JSON string as the reader accepts it: no control characters, and escapes of
    /// the JSON forms only (<c>\uXXXX</c> with four hex digits); 0 otherwise.
    /// </summary>
    private static int StringLength(ReadOnlySpan<byte> rest, out bool escaped)
    {
        escaped = false;
        if (rest.IsEmpty || rest[0] != '"')
        {
            return 0;
        }
        var at = 1;
        while (true)
        {
            var next = rest[at..].IndexOfAny((byte)'"', (byte)'\\');
            if (next < 0 || rest.Slice(at, next).IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0)
            {
                return 0;
            }
            at += next;
            if (rest[at] == '"')
            {
                return at + 1;
            }
            escaped = true;
            var escape = EscapeLength(rest[at..]);
            if (escape == 0)
            {
                return 0;
            }
            at += escape;
        }
    }

    private static int EscapeLength(ReadOnlySpan<byte> escape)
    {
        if (escape.Length < 2)
        {
            return 0;
        }
        switch (escape[1])
        {
            case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                return 2;
            case (byte)'u':
                if (escape.Length < 6)
                {
                    return 0;
                }
                foreach (var digit in escape.Slice(2, 4))
                {
                    if (!char.IsAsciiHexDigit((char)digit))
                    {
                        return 0;
                    }
                }
                return 6;
            default:
                return 0;
        }
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int at)
    {
        while (at < json.Length && json[at] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            at++;
        }
        return at;
    }
}
