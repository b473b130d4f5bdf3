using System.Text.Json;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Tests.Checkpoints;

/// <summary>The checkpoint value codec on its own: every value a row can hold comes back with its type and value.</summary>
public sealed class CheckpointValuesTests
{
    public static TheoryData<object?> Values => new()
    {
        null,
        0L, long.MinValue, long.MaxValue, -42L,
        0.0, -0.0, double.NaN, double.PositiveInfinity, 1e-310, 3.141592653589793,
        0m, 1.50m, 1.5m, -79228162514264337593543950335m, 0.0000000000000000000000000001m,
        "", "text", "ünïcødé ✓ \u0000 nul", new string('x', 100_000),
        true, false,
        new DateTime(2024, 2, 29, 23, 59, 59, 999, DateTimeKind.Utc).AddTicks(7), DateTime.MinValue, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Unspecified),
        TimeSpan.FromMilliseconds(1500), TimeSpan.Zero - TimeSpan.FromDays(3),
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void A_value_comes_back_with_its_type_and_value(object? value)
    {
        var back = RoundTrip(value);
        Assert.Equal(value?.GetType(), back?.GetType());
        Assert.Equal(value, back);
        if (value is decimal m) Assert.Equal(m.Scale, ((decimal)back!).Scale);
        if (value is double d) Assert.Equal(BitConverter.DoubleToInt64Bits(d), BitConverter.DoubleToInt64Bits((double)back!));
        if (value is DateTime t) Assert.Equal(t.Kind, ((DateTime)back!).Kind);
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void A_keys_hash_read_from_its_bytes_is_the_hash_of_the_key_read_back(object? value)
    {
        // A lazy restore finds groups by this hash: read from the bytes (without building the key) it must be the one
        // computed from the key of a later event, or a restored group would never be found again.
        Sluice.Reactive.Aggregation.GroupKey[] keys =
        [
            Sluice.Reactive.Aggregation.GroupKey.OfRow([value]),
            Sluice.Reactive.Aggregation.GroupKey.OfRow([value, 7L]),
            Sluice.Reactive.Aggregation.GroupKey.OfRow(["k", null, value, 2.5, value]),
        ];
        foreach (var key in keys)
        {
            using var buffer = new MemoryStream();
            using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                CheckpointValues.WriteKey(writer, key);
                writer.Write(0x5A5A5A5A);
            }
            var bytes = buffer.ToArray();
            // A stream exposing its buffer (short texts are hashed in place) and one that does not (texts are read).
            foreach (var stream in new[] { new MemoryStream(bytes, 0, bytes.Length, writable: false, publiclyVisible: true), new MemoryStream(bytes) })
            {
                using var reader = new BinaryReader(stream);
                Assert.Equal(CheckpointValues.KeyHash(key), CheckpointValues.ReadKeyHash(reader));
                Assert.Equal(0x5A5A5A5A, reader.ReadInt32());
            }
            var back = CheckpointValues.ReadKey(new BinaryReader(new MemoryStream(bytes)));
            Assert.Equal(CheckpointValues.KeyHash(key), CheckpointValues.KeyHash(back));
        }
    }

    [Fact]
    public void Json_comes_back_as_json_with_the_same_text()
    {
        using var document = JsonDocument.Parse("""{"a":[1,2.50,"x",null,true],"b":{"c":-0}}""");
        var back = Assert.IsType<JsonElement>(RoundTrip(document.RootElement));
        Assert.Equal(document.RootElement.GetRawText(), back.GetRawText());
    }

    [Fact]
    public void Text_arrays_and_nested_tuples_keep_their_shape()
    {
        var texts = Assert.IsType<string[]>(RoundTrip(new[] { "a", null, "" }));
        Assert.Equal(new[] { "a", null, "" }, texts);
        var tuple = Assert.IsType<object?[]>(RoundTrip(new object?[] { 1L, null, new object?[] { "x", 2.5m } }));
        Assert.Equal(1L, tuple[0]);
        Assert.Null(tuple[1]);
        Assert.Equal(new object?[] { "x", 2.5m }, Assert.IsType<object?[]>(tuple[2]));
    }

    [Fact]
    public void A_row_and_an_absent_row_come_back()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            CheckpointValues.WriteRow(writer, [1L, "a", null]);
            CheckpointValues.WriteOptionalRow(writer, null);
            CheckpointValues.WriteOptionalRow(writer, []);
        }
        buffer.Position = 0;
        using var reader = new BinaryReader(buffer);
        Assert.Equal(new object?[] { 1L, "a", null }, CheckpointValues.ReadRow(reader));
        Assert.Null(CheckpointValues.ReadOptionalRow(reader));
        Assert.Empty(CheckpointValues.ReadOptionalRow(reader)!);
        Assert.Equal(buffer.Length, buffer.Position);
    }

    [Fact]
    public void A_value_of_another_type_is_refused_when_written_naming_its_type()
    {
        using var writer = new BinaryWriter(new MemoryStream());
        var refused = Assert.Throws<NotSupportedException>(() => CheckpointValues.Write(writer, Guid.Empty));
        Assert.Contains("System.Guid", refused.Message);
    }

    [Fact]
    public void A_damaged_blob_fails_with_a_message_not_a_huge_allocation()
    {
        Assert.Throws<InvalidDataException>(() => CheckpointValues.Read(new BinaryReader(new MemoryStream([200]))));
        // A row claiming two billion values in five bytes.
        Assert.Throws<InvalidDataException>(() => CheckpointValues.ReadRow(new BinaryReader(new MemoryStream([0xFF, 0xFF, 0xFF, 0x7F, 0]))));
        Assert.Throws<EndOfStreamException>(() => CheckpointValues.Read(new BinaryReader(new MemoryStream([1, 2, 3]))));
    }

    private static object? RoundTrip(object? value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            CheckpointValues.Write(writer, value);
        }
        buffer.Position = 0;
        using var reader = new BinaryReader(buffer);
        var back = CheckpointValues.Read(reader);
        Assert.Equal(buffer.Length, buffer.Position);
        return back;
    }
}
