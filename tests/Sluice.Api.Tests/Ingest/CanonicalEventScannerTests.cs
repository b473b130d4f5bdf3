using System.Text;
using System.Text.Json;
using Sluice.Data.Ingest;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Ingest;

/// <summary>
/// The byte scanner that reads events already in the stored form must agree with the JSON reader's path on every event
/// it takes, and must take the events producers send most (or it would be correct and useless).
/// </summary>
public sealed class CanonicalEventScannerTests
{
    private static readonly DateTimeOffset Now = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, FieldType> Schema = new()
    {
        ["auction"] = FieldType.Bigint, ["url"] = FieldType.Text, ["ok"] = FieldType.Boolean,
        ["date_time"] = FieldType.Timestamp, ["rate"] = FieldType.Double, ["note"] = FieldType.Text,
    };

    private static readonly string[] Canonical =
    [
        """{"auction":1007,"url":"https://x.io/<a>&b","ok":true,"date_time":"2024-05-01T12:00:00.123Z","note":"café"}""",
        """{"date_time":"2024-05-01T12:00:00.123Z","auction":-9223372036854775808,"ok":false}""",
        """{"auction":9223372036854775807,"url":null,"note":"","date_time":"1999-12-31T23:59:59.999Z"}""",
        """{"auction":0,"date_time":"2024-02-29T00:00:00.000Z"}""",
    ];

    // Sent with escapes the writer would not write: stored unescaped, by the scanner as by the reader path.
    private static readonly string[] Escaped =
    [
        """{"auction":1007,"url":"https://x.io/a?q=1\u0026channel_id=5","date_time":"2024-05-01T12:00:00.123Z"}""",
        """{"url":"\u003Ca\u003E\u0026\/","note":"caf\u00e9","date_time":"2024-05-01T12:00:00.123Z"}""",
    ];

    [Fact]
    public void Events_in_the_stored_form_and_with_needless_escapes_are_taken_by_the_scanner()
    {
        foreach (var line in Canonical.Concat(Escaped))
        {
            Assert.True(Compare(line, "date_time"), line);
        }
    }

    [Theory]
    [InlineData("""{"auction": 1007,"date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"auction":01,"date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"auction":-0,"date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"auction":9223372036854775808,"date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"auction":-9223372036854775809,"date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"auction":1.0,"date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"auction":1e3,"date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"auction":"7","date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"auction":1,"auction":2,"date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"auction":1,"bidder":2,"date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"auction":1,"date_time":null}""")]
    [InlineData("""{"auction":1,"date_time":"2024-05-01 12:00:00.123Z"}""")]
    [InlineData("""{"auction":1,"date_time":"2024-05-01T12:00:00.1234"}""")]
    [InlineData("""{"auction":1,"date_time":"2024-02-30T12:00:00.123Z"}""")]
    [InlineData("""{"auction":1,"date_time":1714564800000}""")]
    [InlineData("""{"url":"say \"hi\"","date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"url":"a\nb","date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"url":"\ud800","date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"url":"\u00","date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"note":"\ud83d\ude00","date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"note":"😀","date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"rate":1.5,"date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"ok":"true","date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"\u0075rl":"x","date_time":"2024-05-01T12:00:00.123Z"}""")]
    [InlineData("""{"auction":1,"date_time":"2024-05-01T12:00:00.123Z",}""")]
    [InlineData("""{"auction":1,"date_time":"2024-05-01T12:00:00.123Z"} """)]
    [InlineData("""{"auction":1,"date_time":"2024-05-01T12:00:00.123Z"}{}""")]
    [InlineData("""{"auction":{"a":1},"date_time":"2024-05-01T12:00:00.123Z"}""")]
    public void Events_in_any_other_form_are_left_to_the_reader(string line)
    {
        Assert.False(Compare(line, "date_time"), line);
    }

    [Fact]
    public void Every_prefix_and_every_one_byte_change_of_stored_events_reads_the_same_on_both_paths()
    {
        // Whatever the scanner takes must read exactly as the reader path reads it; what it declines, the reader decides.
        var replacements = "\"\\{}[],:-0159eE.tfn \t\u0001A&é"u8.ToArray();
        var taken = 0;
        var cases = 0;
        foreach (var line in Canonical.Concat(Escaped))
        {
            var bytes = Encoding.UTF8.GetBytes(line);
            for (var length = 0; length < bytes.Length; length++)
            {
                taken += Compare(bytes[..length], "date_time") ? 1 : 0;
                cases++;
            }
            for (var at = 0; at < bytes.Length; at++)
            {
                foreach (var replacement in replacements)
                {
                    var changed = (byte[])bytes.Clone();
                    changed[at] = replacement;
                    taken += Compare(changed, "date_time") ? 1 : 0;
                    taken += Compare(changed, null) ? 1 : 0;
                    cases += 2;
                }
            }
        }
        // Digit changes keep many events in the stored form: the comparison above was not vacuous.
        Assert.InRange(taken, 100, cases - 1);
    }

    [Fact]
    public void An_event_without_its_event_time_field_gets_the_reader_paths_error()
    {
        var stream = new StreamDefinition("s", StorageKind.Memory, "date_time", TimeSpan.Zero, 10_000, Schema, Now);
        var shape = new EventShape(stream, Now, new PayloadArena(64));

        Assert.True(shape.TryReadWhole("""{"auction":1}"""u8.ToArray(), out _, out var error));

        Assert.Equal("Field 'date_time' (the stream's timestampField) is missing.", error?.Detail);
    }

    [Fact]
    public void A_stream_whose_event_time_field_is_not_a_declared_timestamp_reads_every_event_with_the_reader()
    {
        var epochMillis = new StreamDefinition("s", StorageKind.Memory, "auction", TimeSpan.Zero, 10_000, Schema, Now);
        var undeclared = new StreamDefinition("s", StorageKind.Memory, "at", TimeSpan.Zero, 10_000, Schema, Now);

        foreach (var stream in new[] { epochMillis, undeclared })
        {
            var shape = new EventShape(stream, Now, new PayloadArena(64));
            Assert.False(shape.TryReadWhole("""{"auction":1714564800000}"""u8.ToArray(), out _, out _));
        }
    }

    private static readonly string[] Flat =
    [
        """{"auction":1007,"url":"https://x.io/a?q=1\u0026b=\"2\"","ok":true,"date_time":"2024-05-01T12:00:00.123Z","rate":-1.5e+3,"n":null}""",
        """  { "a" : 0 , "date_time" : 1714564800000 }  """,
        """{"date_time":"2024-05-01T14:00:00+02:00","text":"tab\there \/ \b\f\n\r","big":123456789012345678901234567890,"f":false}""",
        """{}""",
    ];

    [Fact]
    public void Flat_events_without_a_schema_are_taken_by_the_scanner_and_read_as_the_reader_reads_them()
    {
        foreach (var line in Flat)
        {
            Assert.True(Compare(line, line == "{}" ? null : "date_time", withSchema: false), line);
        }
    }

    [Theory]
    [InlineData("""{"a":{"b":1},"date_time":1}""")]
    [InlineData("""{"a":[1],"date_time":1}""")]
    [InlineData("""{"d\u0061te_time":1}""")]
    [InlineData("""{"date_time":1,"date_time":2}""")]
    [InlineData("""{"date_time":-1}""")]
    [InlineData("""{"date_time":1.5}""")]
    [InlineData("""{"date_time":"yesterday"}""")]
    [InlineData("""{"date_time":"2024-05-01T12:00:00\u002E123Z"}""")]
    [InlineData("""{"date_time":null}""")]
    [InlineData("""{"date_time":1,"a":01}""")]
    [InlineData("""{"date_time":1,"a":"\x"}""")]
    [InlineData("""{"date_time":1,"a":"\u12"}""")]
    [InlineData("""{"date_time":1,}""")]
    [InlineData("""{"date_time":1} {}""")]
    public void Other_events_without_a_schema_are_left_to_the_reader(string line)
    {
        Assert.False(Compare(line, "date_time", withSchema: false), line);
    }

    [Fact]
    public void Every_prefix_and_every_one_byte_change_of_flat_events_reads_the_same_on_both_paths()
    {
        var replacements = "\"\\{}[],:-0159eE.+tfnu \t\u0001A&é"u8.ToArray();
        var taken = 0;
        var cases = 0;
        foreach (var line in Flat)
        {
            var bytes = Encoding.UTF8.GetBytes(line);
            for (var length = 0; length < bytes.Length; length++)
            {
                taken += Compare(bytes[..length], "date_time", withSchema: false) ? 1 : 0;
                cases++;
            }
            for (var at = 0; at < bytes.Length; at++)
            {
                foreach (var replacement in replacements)
                {
                    var changed = (byte[])bytes.Clone();
                    changed[at] = replacement;
                    taken += Compare(changed, "date_time", withSchema: false) ? 1 : 0;
                    taken += Compare(changed, null, withSchema: false) ? 1 : 0;
                    cases += 2;
                }
            }
        }
        Assert.InRange(taken, 100, cases - 1);
    }

    /// <summary>Whether the scanner took <paramref name="line"/>; when it did, asserts the reader path reads the same event or error.</summary>
    private static bool Compare(string line, string? timestampField, bool withSchema = true) => Compare(Encoding.UTF8.GetBytes(line), timestampField, withSchema);

    private static bool Compare(byte[] line, string? timestampField, bool withSchema = true)
    {
        if (!System.Text.Unicode.Utf8.IsValid(line))
        {
            // The parser rejects the whole body before any event is read.
            return false;
        }
        var stream = new StreamDefinition("s", StorageKind.Memory, timestampField, TimeSpan.Zero, 10_000, withSchema ? Schema : null, Now);
        var fast = new EventShape(stream, Now, new PayloadArena(line.Length));
        if (!fast.TryReadWhole(line, out var scanned, out var scanError))
        {
            return false;
        }
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = EventBatchParser.MaxDepth });
        Assert.True(reader.Read());
        Assert.Equal(JsonTokenType.StartObject, reader.TokenType);
        var slow = new EventShape(stream, Now, new PayloadArena(line.Length));
        var readError = slow.ReadEvent(ref reader, line, out var read);
        var context = Encoding.UTF8.GetString(line);
        Assert.Equal(readError?.Detail, scanError?.Detail);
        if (readError is null)
        {
            Assert.False(reader.Read(), context);
            Assert.Equal(read.Timestamp, scanned.Timestamp);
            Assert.Equal(Encoding.UTF8.GetString(read.Data.Span), Encoding.UTF8.GetString(scanned.Data.Span));
        }
        return true;
    }
}
