using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sluice.Data.Streams;

namespace Sluice.Data.Ingest;

/// <summary>
/// Reads one event object for a given stream. Without a schema the object's bytes are kept as
/// sent (only the timestamp field is looked at); with a schema each declared field is checked,
/// coerced and rewritten, and fields the schema does not declare are dropped.
/// </summary>
internal sealed class EventShape
{
    private static readonly JavaScriptEncoder WriterEncoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    private readonly byte[]? timestampField;
    private readonly string? timestampName;
    private readonly SchemaField[]? fields;
    private readonly DateTimeOffset now;
    private readonly ArrayBufferWriter<byte>? buffer;
    private readonly Utf8JsonWriter? writer;
    private readonly bool[]? seen;
    private readonly PayloadArena payloads;
    private readonly CanonicalEventScanner? scanner;
    private readonly FlatEventScanner? flatScanner;

    public EventShape(StreamDefinition stream, DateTimeOffset now, PayloadArena payloads)
    {
        this.payloads = payloads;
        this.now = now;
        timestampName = stream.TimestampField;
        timestampField = timestampName is null ? null : Encoding.UTF8.GetBytes(timestampName);
        if (stream.Schema is not { Count: > 0 })
        {
            flatScanner = new FlatEventScanner(timestampName);
        }
        if (stream.Schema is { Count: > 0 } schema)
        {
            fields = schema.Select(f => NewField(f.Key, f.Value)).ToArray();
            seen = new bool[fields.Length];
            buffer = new ArrayBufferWriter<byte>(256);
            writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = WriterEncoder, SkipValidation = true });
            scanner = CanonicalEventScanner.For(
                fields.Select(f => (f.NameAsWritten ? f.Utf8Name : null, f.Type)).ToArray(),
                timestampName is null ? -1 : Array.FindIndex(fields, f => f.Name == timestampName),
                timestampName is not null,
                WriterEncoder);
        }
    }

    /// <summary>
    /// Reads an event that is all of <paramref name="json"/> (an NDJSON line, a one-object body) from its bytes alone:
    /// with a schema when it is already in the form the schema's rewrite writes (<see cref="CanonicalEventScanner"/>),
    /// without one when it is a flat object (<see cref="FlatEventScanner"/>). Then true, with the event or the error its
    /// event time makes; false when the JSON reader has to read it (<see cref="ReadEvent"/>).
    /// </summary>
    public bool TryReadWhole(ReadOnlyMemory<byte> json, out NewEvent result, out IngestError? error)
    {
        result = default;
        error = null;
        DateTimeOffset? timestamp;
        var rewritten = false;
        var payload = json;
        if (flatScanner is not null && flatScanner.TryScan(json.Span, out var start, out var end, out timestamp))
        {
            payload = json[start..end];
        }
        else if (scanner is null || !scanner.TryScan(json.Span, buffer!, out timestamp, out rewritten))
        {
            return false;
        }
        if (timestampName is not null && timestamp is null)
        {
            error = MissingTimestamp();
            return true;
        }
        result = new NewEvent(timestamp ?? now, rewritten ? payloads.Copy(buffer!.WrittenSpan) : payloads.Keep(payload));
        return true;
    }

    /// <summary>Reads from a <c>StartObject</c> token through its <c>EndObject</c>.</summary>
    public IngestError? ReadEvent(ref Utf8JsonReader reader, ReadOnlyMemory<byte> source, out NewEvent result)
    {
        result = default;
        var start = (int)reader.TokenStartIndex;
        DateTimeOffset? timestamp = null;
        if (fields is null)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isTimestamp = timestampField is not null && reader.ValueTextEquals(timestampField);
                reader.Read();
                if (isTimestamp)
                {
                    if (ReadTimestamp(ref reader, out timestamp) is { } error)
                    {
                        return error;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            var end = (int)reader.BytesConsumed;
            result = new NewEvent(default, payloads.Keep(source[start..end]));
        }
        else if (TryReadCanonical(ref reader, source, start, out timestamp, out var canonical))
        {
            result = new NewEvent(default, canonical);
        }
        else
        {
            buffer!.ResetWrittenCount();
            writer!.Reset();
            Array.Clear(seen!);
            writer.WriteStartObject();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var index = FindField(ref reader);
                var isTimestamp = timestampField is not null && reader.ValueTextEquals(timestampField);
                reader.Read();
                if (isTimestamp && ReadTimestamp(ref reader, out timestamp) is { } timestampError)
                {
                    return timestampError;
                }
                if (index < 0)
                {
                    reader.Skip();
                    continue;
                }
                if (seen![index])
                {
                    return new IngestError($"Field '{fields[index].Name}' appears more than once.", Field: fields[index].Name);
                }
                seen[index] = true;
                if (WriteCoerced(ref reader, source.Span, fields[index]) is { } error)
                {
                    return error;
                }
            }
            writer.WriteEndObject();
            writer.Flush();
            result = new NewEvent(default, payloads.Copy(buffer.WrittenSpan));
        }
        if (timestampName is not null && timestamp is null)
        {
            return MissingTimestamp();
        }
        result = result with { Timestamp = timestamp ?? now };
        return null;
    }

    /// <summary>
    /// The event as sent, when that is exactly what rewriting it would write: only declared fields, each once, names and
    /// values in the writer's form (integers as written, text the encoder leaves alone, timestamps as
    /// <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>, booleans, nulls), no whitespace. Then its bytes are copied as they are, instead of
    /// read, checked and written field by field (what producers that write canonical JSON, such as the load tool, send).
    /// A text value that is escaped but needs no escaping in the writer's form (a producer's encoder escaping <c>&amp;</c>
    /// as <c>\u0026</c>, as .NET's default one does) is unescaped in place: the payload is then the event's bytes with
    /// such values replaced, which is what the rewrite would write.
    /// Otherwise the reader is put back at the object's start and false is returned; the rewriting path then reads it
    /// again, and reports any error. Nothing here decides an error: a value it does not recognise just ends the fast path.
    /// </summary>
    private bool TryReadCanonical(ref Utf8JsonReader reader, ReadOnlyMemory<byte> sourceMemory, int start, out DateTimeOffset? timestamp, out ReadOnlyMemory<byte> payload)
    {
        timestamp = null;
        payload = default;
        var source = sourceMemory.Span;
        var atStart = reader;
        Array.Clear(seen!);
        // Where the event's bytes are copied up to, once a value had to be unescaped into the buffer (-1: none was).
        var copiedUpTo = -1;
        // The length the writer's form would have: braces, and per field "name":value, with commas between.
        long length = 2;
        var count = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var index = reader.ValueIsEscaped ? -1 : FindField(ref reader);
            if (index < 0 || seen![index] || !fields![index].NameAsWritten)
            {
                reader = atStart;
                return false;
            }
            seen[index] = true;
            var field = fields[index];
            var isTimestamp = timestampField is not null && reader.ValueTextEquals(timestampField);
            reader.Read();
            DateTimeOffset? instant = null;
            if (field.Type == FieldType.Text && reader.TokenType == JsonTokenType.String && reader.ValueIsEscaped && !isTimestamp)
            {
                if (copiedUpTo < 0)
                {
                    buffer!.ResetWrittenCount();
                    copiedUpTo = start;
                }
                if (!TryUnescapeInto(ref reader, source, ref copiedUpTo))
                {
                    reader = atStart;
                    return false;
                }
            }
            // A timestamp field checked as written was parsed by the check: the stream's event time is that instant.
            else if (!IsAsWritten(ref reader, field.Type, out instant)
                || (isTimestamp && instant is null && !TryReadTimestamp(ref reader, ref timestamp)))
            {
                reader = atStart;
                return false;
            }
            if (isTimestamp && instant is not null)
            {
                timestamp = instant;
            }
            length += field.Utf8Name.Length + 3 + reader.ValueSpan.Length + (reader.TokenType == JsonTokenType.String ? 2 : 0);
            count++;
        }
        length += Math.Max(0, count - 1);
        var end = (int)reader.BytesConsumed;
        if (end - start != length)
        {
            reader = atStart;
            return false;
        }
        if (copiedUpTo < 0)
        {
            payload = payloads.Keep(sourceMemory[start..end]);
            return true;
        }
        buffer!.Write(source[copiedUpTo..end]);
        payload = payloads.Copy(buffer!.WrittenSpan);
        return true;
    }

    /// <summary>
    /// Appends to the buffer the event's bytes from <paramref name="copiedUpTo"/> up to the current string value, then the
    /// value unescaped, when the writer would write that as it is; false (nothing decided) otherwise.
    /// </summary>
    private bool TryUnescapeInto(ref Utf8JsonReader reader, ReadOnlySpan<byte> source, ref int copiedUpTo)
    {
        // A string token starts at its opening quote; its value span is the escaped text between the quotes.
        var valueStart = (int)reader.TokenStartIndex + 1;
        var escapedLength = reader.ValueSpan.Length;
        var before = valueStart - copiedUpTo;
        // Unescaped text is never longer than escaped text.
        var into = buffer!.GetSpan(before + escapedLength);
        source[copiedUpTo..valueStart].CopyTo(into);
        int written;
        try
        {
            written = reader.CopyString(into[before..]);
        }
        catch (InvalidOperationException)
        {
            // An escape that is not valid text (a lone surrogate): the rewrite path decides what that is.
            return false;
        }
        if (WriterEncoder.FindFirstCharacterToEncodeUtf8(into.Slice(before, written)) >= 0)
        {
            return false;
        }
        buffer.Advance(before + written);
        copiedUpTo = valueStart + escapedLength;
        return true;
    }

    private IngestError MissingTimestamp() =>
        new($"Field '{timestampName}' (the stream's timestampField) is missing.", Field: timestampName);

    private static bool TryReadTimestamp(ref Utf8JsonReader reader, ref DateTimeOffset? timestamp)
    {
        if (reader.TokenType == JsonTokenType.Null || !EventTimestamps.TryRead(ref reader, out var value))
        {
            return false;
        }
        timestamp = value;
        return true;
    }

    /// <summary>
    /// Whether <see cref="WriteCoerced"/> would write the current value byte for byte as it is; for a timestamp so
    /// written, <paramref name="instant"/> is the instant it names (null otherwise).
    /// </summary>
    private static bool IsAsWritten(ref Utf8JsonReader reader, FieldType type, out DateTimeOffset? instant)
    {
        instant = null;
        var token = reader.TokenType;
        if (token == JsonTokenType.Null)
        {
            return true;
        }
        switch (type)
        {
            case FieldType.Bigint:
                // "-0" reads as 0 and is written as 0.
                return token == JsonTokenType.Number && reader.TryGetInt64(out var whole) && (whole != 0 || reader.ValueSpan[0] != (byte)'-');
            case FieldType.Text:
                return token == JsonTokenType.String && !reader.ValueIsEscaped && WriterEncoder.FindFirstCharacterToEncodeUtf8(reader.ValueSpan) < 0;
            case FieldType.Boolean:
                return token is JsonTokenType.True or JsonTokenType.False;
            case FieldType.Timestamp:
                if (token != JsonTokenType.String || reader.ValueIsEscaped || reader.ValueSpan.Length != Iso8601.MillisecondsLength
                    || !Iso8601.TryParse(reader.ValueSpan, out var parsed) || !Iso8601.IsMillisecondsForm(reader.ValueSpan))
                {
                    return false;
                }
                instant = parsed;
                return true;
            default:
                // Doubles, decimals and JSON values are always rewritten.
                return false;
        }
    }

    private IngestError? ReadTimestamp(ref Utf8JsonReader reader, out DateTimeOffset? timestamp)
    {
        timestamp = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return new IngestError($"Field '{timestampName}' (the stream's timestampField) is null.", Field: timestampName);
        }
        if (!EventTimestamps.TryRead(ref reader, out var value))
        {
            return new IngestError($"Field '{timestampName}' must be an ISO-8601 timestamp or epoch milliseconds.", Field: timestampName);
        }
        timestamp = value;
        return null;
    }

    private int FindField(ref Utf8JsonReader reader)
    {
        for (var i = 0; i < fields!.Length; i++)
        {
            if (reader.ValueTextEquals(fields[i].Utf8Name))
            {
                return i;
            }
        }
        return -1;
    }

    private IngestError? WriteCoerced(ref Utf8JsonReader reader, ReadOnlySpan<byte> source, SchemaField field)
    {
        var w = writer!;
        if (reader.TokenType == JsonTokenType.Null)
        {
            w.WriteNull(field.Utf8Name);
            return null;
        }
        var token = reader.TokenType;
        switch (field.Type)
        {
            case FieldType.Bigint:
                if (token == JsonTokenType.Number && reader.TryGetInt64(out var whole))
                {
                    w.WriteNumber(field.Utf8Name, whole);
                    return null;
                }
                if (token == JsonTokenType.Number && reader.TryGetDecimal(out var integral) && integral == decimal.Truncate(integral)
                    && integral is >= long.MinValue and <= long.MaxValue)
                {
                    w.WriteNumber(field.Utf8Name, (long)integral);
                    return null;
                }
                if (token == JsonTokenType.String && long.TryParse(reader.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out whole))
                {
                    w.WriteNumber(field.Utf8Name, whole);
                    return null;
                }
                return Mismatch(field, token);
            case FieldType.Double:
                if (token == JsonTokenType.Number && reader.TryGetDouble(out var real) && double.IsFinite(real))
                {
                    w.WriteNumber(field.Utf8Name, real);
                    return null;
                }
                if (token == JsonTokenType.String && double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out real) && double.IsFinite(real))
                {
                    w.WriteNumber(field.Utf8Name, real);
                    return null;
                }
                return Mismatch(field, token);
            case FieldType.Decimal:
                if (token == JsonTokenType.Number && reader.TryGetDecimal(out var exact))
                {
                    w.WriteNumber(field.Utf8Name, exact);
                    return null;
                }
                if (token == JsonTokenType.String && decimal.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out exact))
                {
                    w.WriteNumber(field.Utf8Name, exact);
                    return null;
                }
                return Mismatch(field, token);
            case FieldType.Text:
                // Written from the UTF-8 bytes when nothing needs unescaping: the writer escapes UTF-8 as it escapes a string,
                // without a string per field per event.
                if (token == JsonTokenType.String)
                {
                    if (reader.ValueIsEscaped)
                    {
                        w.WriteString(field.Utf8Name, reader.GetString());
                    }
                    else
                    {
                        w.WriteString(field.Utf8Name, reader.ValueSpan);
                    }
                    return null;
                }
                if (token is JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False)
                {
                    w.WriteString(field.Utf8Name, reader.ValueSpan);
                    return null;
                }
                return Mismatch(field, token);
            case FieldType.Boolean:
                if (token is JsonTokenType.True or JsonTokenType.False)
                {
                    w.WriteBoolean(field.Utf8Name, token == JsonTokenType.True);
                    return null;
                }
                if (token == JsonTokenType.String && bool.TryParse(reader.GetString(), out var flag))
                {
                    w.WriteBoolean(field.Utf8Name, flag);
                    return null;
                }
                return Mismatch(field, token);
            case FieldType.Timestamp:
                if (EventTimestamps.TryRead(ref reader, out var instant))
                {
                    Span<byte> text = stackalloc byte[Iso8601.MillisecondsLength];
                    w.WriteString(field.Utf8Name, text[..Iso8601.FormatMilliseconds(instant.UtcDateTime, text)]);
                    return null;
                }
                return Mismatch(field, token);
            case FieldType.Json:
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                w.WritePropertyName(field.Utf8Name);
                w.WriteRawValue(source[start..(int)reader.BytesConsumed], skipInputValidation: true);
                return null;
            default:
                return Mismatch(field, token);
        }
    }

    private static IngestError Mismatch(SchemaField field, JsonTokenType token)
    {
        var got = token switch
        {
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.String => "a string that does not convert",
            JsonTokenType.Number => "a number that does not convert",
            JsonTokenType.True or JsonTokenType.False => "a boolean",
            _ => token.ToString(),
        };
        var expected = field.Type == FieldType.Timestamp ? "timestamp (ISO-8601 or epoch milliseconds)" : field.Type.ToName();
        return new IngestError($"Field '{field.Name}' must be {expected}, got {got}.", Field: field.Name);
    }

    private static SchemaField NewField(string name, FieldType type)
    {
        var utf8 = Encoding.UTF8.GetBytes(name);
        return new SchemaField(name, utf8, type, WriterEncoder.FindFirstCharacterToEncodeUtf8(utf8) < 0);
    }

    /// <param name="NameAsWritten">The writer writes the name as it is (no character it escapes).</param>
    private sealed record SchemaField(string Name, byte[] Utf8Name, FieldType Type, bool NameAsWritten);
}
