using System.Buffers.Binary;
using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// One side of a join's stored rows in a checkpoint: a restored side finds the same rows in the same order and expires
/// them at the same watermarks, a side whose rows have all left takes no more room than an empty one, and a blob whose
/// row range is corrupt is refused with an error that says so (not read as garbage, not allocated for).
/// </summary>
public sealed class JoinStateCheckpointTests
{
    private static readonly Func<object?[], object?>[] KeyColumn = [E.Column(0)];
    private static readonly string[] Keys = ["k0", "k1", "k2"];

    // The side's header: oldest and next sequence numbers, the scan budget spent, the last ordered bound (longs), the index flag.
    private const int NextOffset = 8;
    private const int HeaderLength = 8 + 8 + 8 + 8 + 1;

    private static GroupKey Key(string k) => GroupKey.Of(KeyColumn, [k]);

    private static void Store(JoinState state, string k, long v, long expiresAfter) => state.Store([k, v], v, Key(k), expiresAfter);

    private static List<long> ValuesOf(JoinState state, string k)
    {
        var values = new List<long>();
        for (var seq = state.First(Key(k)); seq != JoinState.None; seq = state.NextOf(seq)) values.Add((long)state.At(seq).Row![1]!);
        return values;
    }

    private static byte[] Write(JoinState state)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer)) state.WriteState(writer);
        return buffer.ToArray();
    }

    private static JoinState Read(byte[] blob, out int live)
    {
        var state = new JoinState([]);
        using var reader = new BinaryReader(new MemoryStream(blob));
        live = state.ReadState(reader);
        Assert.Equal(blob.Length, reader.BaseStream.Position);
        return state;
    }

    /// <summary>
    /// 5,000 rows over three keys, most with bounds in arrival order (the FIFO of timers), every fifth one of the last
    /// hundred with a later, out-of-order bound (the priority queue); expired up to 4,950 and a few retracted, so the
    /// ring's first live row is far along its sequence numbers.
    /// </summary>
    private static JoinState FarAlong(bool indexed)
    {
        var state = new JoinState([]);
        for (var i = 0; i < 5_000; i++) Store(state, Keys[i % 3], i, i >= 4_900 && i % 5 == 0 ? 10_000 - i : i);
        if (indexed)
        {
            for (var i = 0; i < 5_000; i++) state.First(Key("none"));
        }
        state.Expire(4_950);
        Assert.True(state.Remove(Key(Keys[4_960 % 3]), [Keys[4_960 % 3], 4_960L]));
        Assert.True(state.Remove(Key(Keys[4_999 % 3]), [Keys[4_999 % 3], 4_999L]));
        return state;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_restored_side_finds_the_same_rows_in_the_same_order_and_expires_them_at_the_same_watermarks(bool indexed)
    {
        var original = FarAlong(indexed);
        var restored = Read(Write(original), out var live);

        Assert.Equal(10 + 48, live); // 4,900..4,945 every fifth, and 4,950..4,999 but the two retracted
        foreach (var k in Keys) Assert.Equal(ValuesOf(original, k), ValuesOf(restored, k));
        foreach (var watermark in new[] { 4_951L, 4_990L, 5_001L, 5_060L, 5_101L })
        {
            Assert.Equal(original.Expire(watermark), restored.Expire(watermark));
            foreach (var k in Keys) Assert.Equal(ValuesOf(original, k), ValuesOf(restored, k));
        }
        // Rows stored after the restore take the next sequence numbers and join the end of their chains.
        for (var i = 6_000; i < 6_040; i++)
        {
            Store(original, Keys[i % 3], i, i);
            Store(restored, Keys[i % 3], i, i);
        }
        foreach (var k in Keys) Assert.Equal(ValuesOf(original, k), ValuesOf(restored, k));
        Assert.Equal(Write(original), Write(restored));
    }

    [Fact]
    public void A_restored_empty_side_stores_and_finds_rows_like_a_fresh_one()
    {
        var restored = Read(Write(new JoinState([])), out var live);
        Assert.Equal(0, live);
        Store(restored, "k0", 7, 7);
        Assert.Equal([7], ValuesOf(restored, "k0"));
        Assert.Equal(1, restored.Expire(8));
        Assert.Empty(ValuesOf(restored, "k0"));
    }

    [Fact]
    public void A_side_whose_rows_have_all_left_takes_no_more_room_in_a_checkpoint_than_an_empty_one()
    {
        var state = new JoinState([]);
        for (var i = 0; i < 1_000; i++) Store(state, Keys[i % 3], i, i);
        for (var i = 0; i < 1_000; i += 7) Assert.True(state.Remove(Key(Keys[i % 3]), [Keys[i % 3], (long)i]));
        Assert.Equal(1_000 - 143, state.Expire(1_000));

        // The ring's window moved past every dead slot: nothing of the 1,000 rows is written, not even a dead flag.
        Assert.Equal(Write(new JoinState([])).Length, Write(state).Length);
    }

    [Theory]
    [InlineData(1L)] // one row more than there are bytes left: each row takes at least one
    [InlineData(1L << 40)] // a range no ring could hold
    public void A_checkpoint_claiming_more_rows_than_it_has_bytes_for_is_refused(long beyondTheBytes)
    {
        var blob = Write(FarAlong(indexed: false));
        var oldest = BinaryPrimitives.ReadInt64LittleEndian(blob);
        BinaryPrimitives.WriteInt64LittleEndian(blob.AsSpan(NextOffset), oldest + blob.Length - HeaderLength + beyondTheBytes);

        var refused = Assert.Throws<InvalidDataException>(() => Read(blob, out _));
        Assert.Contains("checkpoint of join state says rows", refused.Message);
    }

    [Fact]
    public void A_checkpoint_whose_row_range_ends_before_it_starts_is_refused()
    {
        var blob = Write(FarAlong(indexed: false));
        var oldest = BinaryPrimitives.ReadInt64LittleEndian(blob);
        BinaryPrimitives.WriteInt64LittleEndian(blob.AsSpan(NextOffset), oldest - 1);

        var refused = Assert.Throws<InvalidDataException>(() => Read(blob, out _));
        Assert.Contains($"checkpoint of join state says rows {oldest} to {oldest - 1}", refused.Message);
    }
}
