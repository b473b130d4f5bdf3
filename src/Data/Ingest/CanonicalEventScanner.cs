using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sluice.Data.Streams;

namespace Sluice.Data.Ingest;

/// <summary>
/// Recognises, straight from its bytes, one whole event that is already in the form a schema's rewrite writes: a flat
/// object of declared fields, each once, with no whitespace, integers as written, text the encoder leaves alone,
/// timestamps as <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>, booleans and nulls. Such an event is stored as sent, and checking
/// that is all ingest does for it; a <see cref="System.Text.Json.Utf8JsonReader"/> over the same bytes cost about twice
/// as much (docs/benchmarks.md, "Ingest, decode and encode from bytes"). Anything else, including everything
/// invalid, is declined without a reason: the reader path then reads the event and decides what it is.
/// The caller has checked that the bytes are valid UTF-8.
/// </summary>
internal sealed class CanonicalEventScanner
{
    private readonly FlatObjectFields fields;
    private readonly FieldType[] types;
    private readonly int timestampIndex;
    private readonly JavaScriptEncoder encoder;

    /// <param name="names">The declared fields' UTF-8 names; null for one the writer would escape (never matched here).</param>
    /// <param name="timestampIndex">The declared timestamp field holding the event time, or -1.</param>
    private CanonicalEventScanner(byte[]?[] names, FieldType[] types, int timestampIndex, JavaScriptEncoder encoder)
    {
        fields = new FlatObjectFields(names);
        this.types = types;
        this.timestampIndex = timestampIndex;
        this.encoder = encoder;
    }

    /// <summary>
    /// A scanner for a schema's fields, or null when this fast path cannot serve the stream: more than 64 fields, or
    /// an event-time field declared with a type other than timestamp (its value is converted, so it is never as sent),
    /// or not declared at all (an event with it is rewritten without it).
    /// </summary>
    public static CanonicalEventScanner? For(IReadOnlyList<(byte[]? Utf8Name, FieldType Type)> fields, int timestampIndex, bool timestampDeclared, JavaScriptEncoder encoder)
    {
        if (fields.Count > 64 || (timestampDeclared && (timestampIndex < 0 || fields[timestampIndex].Type != FieldType.Timestamp)))
        {
            return null;
        }
        return new CanonicalEventScanner(fields.Select(f => f.Utf8Name).ToArray(), fields.Select(f => f.Type).ToArray(), timestampIndex, encoder);
    }

    /// <summary>
    /// Whether <paramref name="json"/>, from its first byte to its last, is one event in the rewrite's form; then
    /// <paramref name="timestamp"/> is the event-time field's instant (null when the event lacks it).
    /// </summary>
    public bool TryScan(ReadOnlySpan<byte> json, ArrayBufferWriter<byte> unescaped, out DateTimeOffset? timestamp, out bool rewritten)
    {
        timestamp = null;
        rewritten = false;
        // Where the event's bytes are copied into unescaped up to, once a value had to be unescaped (-1: none was).
        var copiedUpTo = -1;
        if (json.Length < 2 || json[0] != '{')
        {
            return false;
        }
        if (json.Length == 2)
        {
            return json[1] == '}';
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
            var length = ValueLength(json[position..], types[index], index == timestampIndex, ref timestamp);
            if (length < 0 && types[index] == FieldType.Text)
            {
                length = UnescapeText(json, position, unescaped, ref copiedUpTo);
            }
            if (length <= 0)
            {
                return false;
            }
            position += length;
            switch (FlatObjectFields.AfterValue(json, ref position))
            {
                case FlatObjectStep.Decline:
                    return false;
                case FlatObjectStep.End:
                    if (copiedUpTo >= 0)
                    {
                        unescaped.Write(json[copiedUpTo..]);
                        rewritten = true;
                    }
                    return true;
            }
        }
    }

    /// <summary>
    /// The length of the value starting <paramref name="rest"/> when it is in the rewrite's form for <paramref name="type"/>;
    /// -1 for a text value with escapes (<see cref="UnescapeText"/> may take it), 0 otherwise.
    /// </summary>
    private int ValueLength(ReadOnlySpan<byte> rest, FieldType type, bool isTimestamp, ref DateTimeOffset? timestamp)
    {
        if (rest.StartsWith("null"u8))
        {
            // A null event time is an error, which the reader path words.
            return isTimestamp ? 0 : 4;
        }
        switch (type)
        {
            case FieldType.Bigint:
                return IntegerLength(rest);
            case FieldType.Text:
                if (rest.IsEmpty || rest[0] != '"')
                {
                    return 0;
                }
                var text = rest[1..];
                var close = text.IndexOfAny((byte)'"', (byte)'\\');
                if (close < 0)
                {
                    return 0;
                }
                if (text[close] == '\\')
                {
                    return -1;
                }
                return encoder.FindFirstCharacterToEncodeUtf8(text[..close]) >= 0 ? 0 : close + 2;
            case FieldType.Boolean:
                return rest.StartsWith("true"u8) ? 4 : rest.StartsWith("false"u8) ? 5 : 0;
            case FieldType.Timestamp:
                const int quoted = Iso8601.MillisecondsLength + 2;
                if (rest.Length < quoted || rest[0] != '"' || rest[quoted - 1] != '"')
                {
                    return 0;
                }
                // The parse checks every byte of the 24 (digits and separators), so no quote or backslash hides in them.
                var instantText = rest.Slice(1, Iso8601.MillisecondsLength);
                if (!Iso8601.TryParse(instantText, out var instant) || !Iso8601.IsMillisecondsForm(instantText))
                {
                    return 0;
                }
                if (isTimestamp)
                {
                    timestamp = instant;
                }
                return quoted;
            default:
                // Doubles, decimals and JSON values are always rewritten.
                return 0;
        }
    }

    /// <summary>
    /// A text value sent with escapes that the writer would write unescaped (a producer's encoder escaping <c>&amp;</c> as
    /// <c>\u0026</c>, as .NET's default one does): appends to <paramref name="unescaped"/> the event's bytes from
    /// <paramref name="copiedUpTo"/> up to the value, then the value unescaped, and returns the value's length as sent;
    /// 0 when it is not valid or the writer would escape something in it (the reader path then rewrites the event).
    /// </summary>
    private int UnescapeText(ReadOnlySpan<byte> json, int position, ArrayBufferWriter<byte> unescaped, ref int copiedUpTo)
    {
        // The closing quote: the first one no backslash escapes (a \uXXXX escape holds neither quote nor backslash).
        var end = position + 1;
        while (true)
        {
            var next = json[end..].IndexOfAny((byte)'"', (byte)'\\');
            if (next < 0)
            {
                return 0;
            }
            end += next;
            if (json[end] == '"')
            {
                break;
            }
            end += 2;
            if (end >= json.Length)
            {
                return 0;
            }
        }
        var quoted = json[position..(end + 1)];
        if (copiedUpTo < 0)
        {
            unescaped.ResetWrittenCount();
            copiedUpTo = 0;
        }
        var before = position + 1 - copiedUpTo;
        // Unescaped text is never longer than escaped text.
        var into = unescaped.GetSpan(before + quoted.Length);
        json[copiedUpTo..(position + 1)].CopyTo(into);
        int written;
        try
        {
            // The runtime's own unescaping and its checks of the escapes, on a reader over just this string.
            var reader = new Utf8JsonReader(quoted);
            reader.Read();
            written = reader.CopyString(into[before..]);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return 0;
        }
        if (encoder.FindFirstCharacterToEncodeUtf8(into.Slice(before, written)) >= 0)
        {
            return 0;
        }
        unescaped.Advance(before + written);
        copiedUpTo = end;
        return quoted.Length;
    }

    /// <summary>
    /// The length of a JSON integer that a long holds and that is written as it is: no leading zeros, no <c>-0</c>, no
    /// fraction or exponent (a following <c>.</c> or <c>e</c> is not a separator, so the caller declines it); 0 otherwise.
    /// </summary>
    private static int IntegerLength(ReadOnlySpan<byte> rest)
    {
        var length = JsonNumbers.IntegerLength(rest, out var value);
        // "-0" reads as 0 and is written as 0.
        return length > 0 && value == 0 && rest[0] == '-' ? 0 : length;
    }
}
