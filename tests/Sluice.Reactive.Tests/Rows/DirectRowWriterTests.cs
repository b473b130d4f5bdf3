using System.Buffers;
using System.Text;
using System.Text.Json;
using Sluice.Reactive.Rows;

namespace Sluice.Reactive.Tests.Rows;

/// <summary>Rows written directly must be byte for byte what the JSON writer writes; anything else must be left to it, unwritten.</summary>
public sealed class DirectRowWriterTests
{
    private static readonly object?[] Values =
    [
        null, 0L, -1L, long.MinValue, long.MaxValue, 42, int.MinValue, true, false,
        0m, -0.5m, 0.908m * 4211, 12345678901234.5678901234m, decimal.MaxValue, decimal.MinValue, 1.000m, 1e-28m,
        new DateTime(2024, 5, 1, 12, 0, 0, 250, DateTimeKind.Utc), new DateTime(2024, 5, 1, 12, 0, 0, 250, DateTimeKind.Unspecified),
        new DateTime(2024, 5, 1, 12, 0, 0, 250, DateTimeKind.Local), DateTime.MinValue, DateTime.MaxValue,
        new DateTimeOffset(2024, 5, 1, 14, 0, 0, 7, TimeSpan.FromHours(2)),
        "", "Google", "https://www.nexmark.com/a?q=1&channel_id=5<b>", "café ünïcode", "日本語",
    ];

    private static readonly object?[] Declined =
    [
        "say \"hi\"", "back\\slash", "line\nbreak", "\u0001", "😀", "lone \ud800", 1.5, 2.5f, TimeSpan.FromSeconds(1),
        JsonDocument.Parse("[1]").RootElement.Clone(),
    ];

    [Fact]
    public void Every_value_of_the_common_kinds_is_written_as_the_json_writer_writes_it()
    {
        foreach (var value in Values)
        {
            foreach (var op in new ChangeOp?[] { null, ChangeOp.Insert, ChangeOp.Delete })
            {
                var (direct, written) = WriteBoth([1L, value, "x"], op);
                Assert.True(written, $"{value} ({value?.GetType().Name}) was declined");
                Assert.Equal(WithWriter([1L, value, "x"], op), direct);
            }
        }
    }

    [Fact]
    public void A_row_with_any_other_value_is_declined_and_nothing_is_written()
    {
        foreach (var value in Declined)
        {
            var buffer = new ArrayBufferWriter<byte>();
            buffer.Write("prefix"u8);
            var writer = new DirectRowWriter(Names(3), "op"u8.ToArray());

            Assert.False(writer.TryWrite(buffer, [1L, "a long enough text to be written before the value", value], ChangeOp.Insert), $"{value}");
            Assert.Equal("prefix", Encoding.UTF8.GetString(buffer.WrittenSpan));
        }
    }

    [Fact]
    public void The_encoder_gives_the_same_bytes_for_rows_written_either_way()
    {
        var columns = new ColumnInfo[] { new("a", ColumnType.Any), new("b", ColumnType.Any) };
        var encoder = new RowEncoder(columns, includeOp: true);
        var rows = Values.Concat(Declined).Select(v => new OutputRow([v, "tail"], DateTime.UnixEpoch, ChangeOp.Delete)).ToArray();
        var encoded = new ReadOnlyMemory<byte>[rows.Length];

        encoder.EncodeAll(rows, encoded);

        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(WithWriter(rows[i].Values, ChangeOp.Delete, ["a", "b"]), Encoding.UTF8.GetString(encoded[i].Span));
        }
    }

    [Fact]
    public void An_empty_row_is_an_empty_object_with_or_without_its_op()
    {
        Assert.Equal(("{}", true), WriteBoth([], null, []));
        Assert.Equal(("""{"op":"+"}""", true), WriteBoth([], ChangeOp.Insert, []));
    }

    private static (string Text, bool Written) WriteBoth(object?[] values, ChangeOp? op, string[]? names = null)
    {
        names ??= ["first", "the value", "last"];
        var buffer = new ArrayBufferWriter<byte>();
        var written = new DirectRowWriter(names.Select(n => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(n)), "op"u8.ToArray()).TryWrite(buffer, values, op);
        return (Encoding.UTF8.GetString(buffer.WrittenSpan), written);
    }

    private static string WithWriter(object?[] values, ChangeOp? op, string[]? names = null)
    {
        names ??= ["first", "the value", "last"];
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, RowEncoder.WriterOptions))
        {
            new RowEncoder(names.Select(n => new ColumnInfo(n, ColumnType.Any)).ToArray(), includeOp: false).Write(writer, values, op);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Names(int count) =>
        Enumerable.Range(0, count).Select(i => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($"c{i}"));
}
