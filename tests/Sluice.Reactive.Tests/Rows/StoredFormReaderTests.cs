using System.Text;
using System.Text.Json;
using Sluice.Reactive.Rows;

namespace Sluice.Reactive.Tests.Rows;

/// <summary>
/// Events in the stored form are decoded from their bytes; every row that path gives must be the JSON reader's row, and
/// the events ingest stores must take that path (or it would be correct and useless).
/// </summary>
public sealed class StoredFormReaderTests
{
    private static readonly ColumnInfo[] Columns =
    [
        new("auction", ColumnType.Bigint), new("url", ColumnType.Text), new("ok", ColumnType.Boolean),
        new("date_time", ColumnType.Timestamp), new("rate", ColumnType.Double), new("note", ColumnType.Text),
    ];

    // "rate" is a double: a decoder that decodes it reads every event with the JSON reader; one that skips it does not.
    private static readonly bool[] AllButRate = [true, true, true, true, false, true];

    private static readonly string[] Stored =
    [
        """{"auction":1007,"url":"https://x.io/<a>&b","ok":true,"date_time":"2024-05-01T12:00:00.123Z","rate":1.5,"note":"café"}""",
        """{"date_time":"2024-05-01T12:00:00.123Z","auction":-9223372036854775808,"ok":false,"rate":-0.5e-3}""",
        """{"auction":9223372036854775807,"url":null,"note":"","rate":12E+2,"date_time":"1999-12-31T23:59:59.999Z"}""",
        """{"auction":0,"rate":0,"date_time":"2024-02-29T00:00:00.000Z"}""",
        """{}""",
    ];

    [Fact]
    public void Events_as_ingest_stores_them_are_decoded_from_their_bytes_to_the_readers_row()
    {
        foreach (var json in Stored)
        {
            Assert.True(Compare(Encoding.UTF8.GetBytes(json), AllButRate), json);
        }
    }

    [Fact]
    public void A_decoder_of_a_column_it_cannot_read_from_bytes_reads_every_event_with_the_reader()
    {
        Assert.Null(StoredFormReader.For(Names(), Columns.Select(c => c.Type).ToArray(), [true, true, true, true, true, true]));
    }

    [Theory]
    [InlineData("""{"auction": 1}""")]
    [InlineData("""{"auction":1.0}""")]
    [InlineData("""{"auction":"7"}""")]
    [InlineData("""{"auction":9223372036854775808}""")]
    [InlineData("""{"auction":01}""")]
    [InlineData("""{"Auction":1}""")]
    [InlineData("""{"auction":1,"auction":2}""")]
    [InlineData("""{"bidder":1}""")]
    [InlineData("""{"url":"say \"hi\""}""")]
    [InlineData("""{"url":5}""")]
    [InlineData("""{"ok":"true"}""")]
    [InlineData("""{"date_time":"yesterday"}""")]
    [InlineData("""{"date_time":1714564800000}""")]
    [InlineData("""{"rate":{"a":1}}""")]
    [InlineData("""{"auction":1} """)]
    public void Events_in_other_forms_are_left_to_the_reader(string json)
    {
        Assert.False(Compare(Encoding.UTF8.GetBytes(json), AllButRate), json);
    }

    [Fact]
    public void Every_prefix_and_every_one_byte_change_of_stored_events_decodes_the_same_on_both_paths()
    {
        var replacements = "\"\\{}[],:-0159eE.+tfn \t\u0001A&é"u8.ToArray();
        bool[][] decodeSets = [AllButRate, [true, false, false, true, false, false], [false, false, false, false, false, false]];
        var taken = 0;
        var cases = 0;
        foreach (var json in Stored)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            foreach (var decodes in decodeSets)
            {
                for (var length = 0; length < bytes.Length; length++)
                {
                    taken += Compare(bytes[..length], decodes) ? 1 : 0;
                    cases++;
                }
                for (var at = 0; at < bytes.Length; at++)
                {
                    foreach (var replacement in replacements)
                    {
                        var changed = (byte[])bytes.Clone();
                        changed[at] = replacement;
                        taken += Compare(changed, decodes) ? 1 : 0;
                        cases++;
                    }
                }
            }
        }
        Assert.InRange(taken, 100, cases - 1);
    }

    private static byte[][] Names() => Columns.Select(c => Encoding.UTF8.GetBytes(c.Name)).ToArray();

    /// <summary>Whether the byte path took <paramref name="json"/>; when it did, asserts the reader gives the same row.</summary>
    private static bool Compare(byte[] json, bool[] decodes)
    {
        var reader = StoredFormReader.For(Names(), Columns.Select(c => c.Type).ToArray(), decodes)!;
        var fast = new object?[Columns.Length];
        if (!reader.TryDecode(json, fast))
        {
            return false;
        }
        var decoder = new RowDecoder(Columns, decodes);
        var slow = decoder.DecodeWithReader(json, new object?[Columns.Length]);
        Assert.Equal(slow, fast);
        Assert.Equal(slow.Select(v => v?.GetType()), fast.Select(v => v?.GetType()));
        // The public entry takes the same path and gives the same row.
        Assert.Equal(slow, decoder.Decode(json));
        return true;
    }
}
