using System.Text;
using System.Text.Json;
using Sluice.Reactive.Rows;

namespace Sluice.Reactive.Tests.Rows;

public sealed class RowEncoderTests
{
    private static readonly ColumnInfo[] IdAndText = [new("id", ColumnType.Bigint), new("text", ColumnType.Text)];

    private static string Encode(object?[] values, ChangeOp op = ChangeOp.Insert, bool updating = false, params string[] names)
    {
        var columns = (names.Length > 0 ? names : values.Select((_, i) => $"c{i}").ToArray()).Select(n => new ColumnInfo(n, ColumnType.Any)).ToArray();
        return Encoding.UTF8.GetString(new RowEncoder(columns, updating).Encode(new OutputRow(values, DateTime.UnixEpoch, op)));
    }

    [Fact]
    public void Each_type_is_written_as_its_json_form()
    {
        using var json = JsonDocument.Parse("""{"k":[1,"two"]}""");
        var values = new object?[]
        {
            42L, 1.5, 12345678901234.5678901234m, "tëxt \"q\"", true, null,
            new DateTime(2024, 5, 1, 12, 0, 0, 250, DateTimeKind.Utc), json.RootElement.Clone(),
        };

        var text = Encode(values, names: ["big", "dbl", "dec", "txt", "flag", "nothing", "at", "payload"]);

        Assert.Equal(
            """{"big":42,"dbl":1.5,"dec":12345678901234.5678901234,"txt":"tëxt \"q\"","flag":true,"nothing":null,"at":"2024-05-01T12:00:00.250Z","payload":{"k":[1,"two"]}}""",
            text);
    }

    [Fact]
    public void Timestamps_are_written_in_utc_with_milliseconds()
    {
        var unspecified = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Unspecified);
        var offset = new DateTimeOffset(2024, 1, 2, 5, 4, 5, 7, TimeSpan.FromHours(2));

        Assert.Equal("""{"c0":"2024-01-02T03:04:05.000Z","c1":"2024-01-02T03:04:05.007Z"}""", Encode([unspecified, offset]));
    }

    [Fact]
    public void Doubles_json_cannot_express_are_null()
    {
        Assert.Equal("""{"c0":null,"c1":null}""", Encode([double.NaN, double.PositiveInfinity]));
    }

    [Fact]
    public void Updating_rows_carry_their_op()
    {
        Assert.Equal("""{"c0":1,"op":"+"}""", Encode([1L], ChangeOp.Insert, updating: true));
        Assert.Equal("""{"c0":1,"op":"-"}""", Encode([1L], ChangeOp.Delete, updating: true));
        Assert.Equal("""{"c0":1}""", Encode([1L], ChangeOp.Delete, updating: false));
    }

    [Fact]
    public void Encoded_rows_decode_back_to_the_same_values()
    {
        ColumnInfo[] columns =
        [
            new("b", ColumnType.Bigint), new("d", ColumnType.Double), new("m", ColumnType.Decimal), new("t", ColumnType.Text),
            new("f", ColumnType.Boolean), new("ts", ColumnType.Timestamp),
        ];
        object?[] values = [-3L, 0.1, 19.99m, "x", false, new DateTime(2030, 12, 31, 23, 59, 59, 999, DateTimeKind.Utc)];

        var bytes = new RowEncoder(columns, false).Encode(new OutputRow(values, DateTime.UnixEpoch, ChangeOp.Insert));
        var decoded = new RowDecoder(columns).Decode(bytes);

        Assert.Equal(values, decoded);
    }

    [Fact]
    public void Rows_compare_by_value_including_json()
    {
        using var a = JsonDocument.Parse("""{"x":1,"y":2}""");
        using var b = JsonDocument.Parse("""{"y":2, "x":1}""");

        Assert.True(RowComparer.Instance.Equals(["k", 1L, a.RootElement], ["k", 1L, b.RootElement]));
        Assert.Equal(RowComparer.Instance.GetHashCode(["k", 1L, a.RootElement]), RowComparer.Instance.GetHashCode(["k", 1L, b.RootElement]));
        Assert.False(RowComparer.Instance.Equals(["k", 1L], ["k", 2L]));
        Assert.False(RowComparer.Instance.Equals(["k", null], ["k", 1L]));
    }

    [Fact]
    public void Encoding_a_batch_gives_each_row_the_bytes_encoding_it_alone_gives()
    {
        var updating = new RowEncoder(IdAndText, includeOp: true);
        // Enough rows to fill several chunks.
        var rows = KilobyteRowsWithAlternatingOps();

        var encoded = new ReadOnlyMemory<byte>[rows.Length];
        updating.EncodeAll(rows, encoded);

        var alone = new RowEncoder(IdAndText, includeOp: true);
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(Encoding.UTF8.GetString(alone.Encode(rows[i])), Encoding.UTF8.GetString(encoded[i].Span));
        }
    }

    [Fact]
    public void Encoding_a_batch_into_the_reused_buffer_gives_each_row_its_own_bytes_even_when_the_buffer_grows()
    {
        var encoder = new RowEncoder(IdAndText, includeOp: true);
        // The buffer starts at 256 bytes, so it is replaced several times while these rows are written.
        var rows = KilobyteRowsWithAlternatingOps();
        var small = new[] { new OutputRow([1L, "x"], DateTime.UnixEpoch, ChangeOp.Insert) };

        var encoded = new ReadOnlyMemory<byte>[rows.Length];
        encoder.EncodeAllReused(rows, encoded);
        var texts = encoded.Select(e => Encoding.UTF8.GetString(e.Span)).ToArray();
        var next = new ReadOnlyMemory<byte>[1];
        encoder.EncodeAllReused(small, next);

        var alone = new RowEncoder(IdAndText, includeOp: true);
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(Encoding.UTF8.GetString(alone.Encode(rows[i])), texts[i]);
        }
        Assert.Equal("""{"id":1,"text":"x","op":"+"}""", Encoding.UTF8.GetString(next[0].Span));
    }

    [Fact]
    public void Encoding_an_empty_batch_writes_nothing()
    {
        var encoder = new RowEncoder([new ColumnInfo("id", ColumnType.Bigint)], includeOp: false);

        encoder.EncodeAll([], Span<ReadOnlyMemory<byte>>.Empty);
        var after = encoder.Encode(new OutputRow([7L], DateTime.UnixEpoch, ChangeOp.Insert));

        Assert.Equal("""{"id":7}""", Encoding.UTF8.GetString(after));
    }

    /// <summary>200 rows of about 1 kB each (over 32 kB in all), inserts and deletes alternating.</summary>
    private static OutputRow[] KilobyteRowsWithAlternatingOps() =>
        Enumerable.Range(0, 200)
            .Select(i => new OutputRow([(long)i, new string((char)('a' + i % 26), 1000)], DateTime.UnixEpoch, i % 2 == 0 ? ChangeOp.Insert : ChangeOp.Delete))
            .ToArray();
}
