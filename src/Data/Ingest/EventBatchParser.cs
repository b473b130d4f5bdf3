using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Sluice.Data.Streams;

namespace Sluice.Data.Ingest;

/// <summary>
/// Turns an append request body into events for one stream, validating everything before
/// anything is appended: framing, UTF-8, nesting depth, the timestamp field and, when the stream
/// has a schema, every field's type (coercing where the value is unambiguous).
/// The first problem found rejects the whole batch.
/// </summary>
public static class EventBatchParser
{
    /// <summary>Deepest nesting accepted inside one event (objects and arrays).</summary>
    public const int MaxDepth = 32;

    private const int MaxPresizedEvents = 16_384;

    public static IngestResult Parse(ReadOnlyMemory<byte> body, BodyFormat format, StreamDefinition stream, DateTimeOffset now) =>
        Parse(body, format, stream, now, pooledPayloads: false);

    /// <summary>
    /// As <see cref="Parse(ReadOnlyMemory{byte}, BodyFormat, StreamDefinition, DateTimeOffset)"/>; with
    /// <paramref name="pooledPayloads"/> the events' payloads live in rented buffers, or in <paramref name="body"/> itself when
    /// stored as sent, for an append that copies them before it returns (<see cref="StreamLog.CopiesAppendedData"/>). Call
    /// <see cref="IngestResult.ReturnPayloads"/> after it, and keep <paramref name="body"/> unchanged until then.
    /// </summary>
    public static IngestResult Parse(ReadOnlyMemory<byte> body, BodyFormat format, StreamDefinition stream, DateTimeOffset now, bool pooledPayloads)
    {
        var span = body.Span;
        if (!Utf8.IsValid(span))
        {
            var at = FirstInvalidUtf8(span);
            return IngestResult.Failed(new IngestError($"The body is not valid UTF-8 (byte {at}).", Line: LineOf(span, at)));
        }
        var arena = new PayloadArena(span.Length, pooledPayloads);
        var shape = new EventShape(stream, now, arena);
        var result = format == BodyFormat.Ndjson ? ParseNdjson(body, shape) : ParseJson(body, shape);
        if (result.Error is not null)
        {
            arena.Return();
            return result;
        }
        return pooledPayloads ? result with { Payloads = arena } : result;
    }

    private static IngestResult ParseJson(ReadOnlyMemory<byte> body, EventShape shape)
    {
        if (shape.TryReadWhole(body, out var whole, out var wholeError))
        {
            return wholeError is null ? IngestResult.Ok(new[] { whole }) : IngestResult.Failed(wholeError);
        }
        // +1 because the array wrapper counts as a level.
        var reader = new Utf8JsonReader(body.Span, new JsonReaderOptions { MaxDepth = MaxDepth + 1 });
        IReadOnlyList<NewEvent> events;
        var item = 0;
        try
        {
            if (!reader.Read())
            {
                return IngestResult.Failed(new IngestError("The body is empty; send a JSON object or an array of objects."));
            }
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                if (shape.ReadEvent(ref reader, body, out var single) is { } error)
                {
                    return IngestResult.Failed(error);
                }
                // An array of one: a list would grow to four slots for it (one event per POST is a common client).
                events = new[] { single };
                item = -1;
            }
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                var list = new List<NewEvent>();
                events = list;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        return IngestResult.Failed(new IngestError($"Item {item} is {Describe(reader.TokenType)}; each event must be a JSON object.", Item: item));
                    }
                    if (shape.ReadEvent(ref reader, body, out var next) is { } error)
                    {
                        return IngestResult.Failed(error with { Item = item });
                    }
                    list.Add(next);
                    item++;
                }
            }
            else
            {
                return IngestResult.Failed(new IngestError($"The body is {Describe(reader.TokenType)}; send a JSON object or an array of objects."));
            }
            if (reader.Read())
            {
                return IngestResult.Failed(new IngestError("Unexpected content after the JSON value; use application/x-ndjson for one object per line."));
            }
        }
        catch (JsonException ex)
        {
            return IngestResult.Failed(new IngestError(
                $"Malformed JSON: {TrimMessage(ex.Message)}",
                Item: item >= 0 ? item : null,
                Line: (int)(ex.LineNumber ?? 0) + 1));
        }
        return IngestResult.Ok(events);
    }

    private static IngestResult ParseNdjson(ReadOnlyMemory<byte> body, EventShape shape)
    {
        var span = body.Span;
        // One event per line: sized once rather than grown by doubling (and copied) through a batch of a thousand.
        // Capped, since blank lines count too and a body of them must not reserve room for millions of events.
        var events = new List<NewEvent>(Math.Min(span.Count((byte)'\n') + 1, MaxPresizedEvents));
        var start = 0;
        var line = 0;
        while (start < span.Length)
        {
            line++;
            var length = span[start..].IndexOf((byte)'\n');
            if (length < 0)
            {
                length = span.Length - start;
            }
            var lineMemory = body.Slice(start, length);
            start += length + 1;
            if (lineMemory.Span.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }
            if (shape.TryReadWhole(lineMemory, out var whole, out var wholeError))
            {
                if (wholeError is not null)
                {
                    return IngestResult.Failed(wholeError with { Item = events.Count, Line = line });
                }
                events.Add(whole);
                continue;
            }
            var reader = new Utf8JsonReader(lineMemory.Span, new JsonReaderOptions { MaxDepth = MaxDepth });
            try
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return IngestResult.Failed(new IngestError($"Line {line} is {Describe(reader.TokenType)}; each line must be one JSON object.", Item: events.Count, Line: line));
                }
                if (shape.ReadEvent(ref reader, lineMemory, out var next) is { } error)
                {
                    return IngestResult.Failed(error with { Item = events.Count, Line = line });
                }
                if (reader.Read())
                {
                    return IngestResult.Failed(new IngestError($"Line {line} holds more than one JSON value.", Item: events.Count, Line: line));
                }
                events.Add(next);
            }
            catch (JsonException ex)
            {
                return IngestResult.Failed(new IngestError($"Malformed JSON on line {line}: {TrimMessage(ex.Message)}", Item: events.Count, Line: line));
            }
        }
        if (events.Count == 0)
        {
            return IngestResult.Failed(new IngestError("The body holds no events; send one JSON object per line."));
        }
        return IngestResult.Ok(events);
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => "not an object",
    };

    // System.Text.Json's messages end with its own position ("LineNumber: 0 | BytePositionInLine: 7."); we report lines ourselves.
    private static string TrimMessage(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        }
        return cut > 0 ? message[..cut] : message;
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> span)
    {
        var index = 0;
        while (index < span.Length)
        {
            if (Rune.DecodeFromUtf8(span[index..], out _, out var consumed) != OperationStatus.Done)
            {
                return index;
            }
            index += consumed;
        }
        return index;
    }

    private static int LineOf(ReadOnlySpan<byte> span, int index) => span[..index].Count((byte)'\n') + 1;
}

/// <summary>The events of an accepted batch, or the reason it was rejected.</summary>
public sealed record IngestResult(IReadOnlyList<NewEvent> Events, IngestError? Error)
{
    /// <summary>The rented buffers holding the payloads, when parsed with pooled payloads.</summary>
    internal PayloadArena? Payloads { get; init; }

    /// <summary>Gives back the buffers of payloads parsed as pooled, once the append has copied them; the events' data must not be read after.</summary>
    public void ReturnPayloads() => Payloads?.Return();

    public static IngestResult Ok(IReadOnlyList<NewEvent> events) => new(events, null);

    public static IngestResult Failed(IngestError error) => new([], error);
}
