using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// A join side whose composite key is plain columns of its rows (<c>keyColumns</c>) keeps no copy of the key: it reads the
/// key back from the row. Such a side finds the rows of a key oldest first, scanned or indexed, through retractions,
/// expiry and a checkpoint (whose restored keys are kept whole, beside new rows that keep none); tells apart keys whose
/// hash codes collide (the bigints 1 and 2^32 hash alike), and so does a join on two such columns; and a side given no key
/// columns keeps composite keys whole.
/// Rows are [key values…, v]; v is the row's number.
/// </summary>
public sealed class JoinKeyInRowTests
{
    private const long Colliding = 1L << 32; // long.GetHashCode(2^32) == long.GetHashCode(1)

    private static int[]? ColumnsOf(int width) => width == 1 ? null : [.. Enumerable.Range(0, width)];

    private static Func<object?[], object?>[] KeyExpressions(int width) => [.. Enumerable.Range(0, width).Select(E.Column)];

    /// <summary>A row of key <paramref name="k"/> (0, 1, 2…; or <see cref="Colliding"/>): its values are "a", k, "c" as wide as the key, then v.</summary>
    private static object?[] Row(int width, long k, long v) => width switch
    {
        1 => [k, v],
        2 => ["a", k, v],
        _ => ["a", k, "c", v],
    };

    private static GroupKey Key(int width, long k) => GroupKey.Of(KeyExpressions(width), Row(width, k, 0));

    private static long Store(JoinState state, int width, long k, long v, long expiresAfter = long.MaxValue)
    {
        var row = Row(width, k, v);
        return state.Store(row, v, GroupKey.Of(KeyExpressions(width), row), expiresAfter);
    }

    private static bool Remove(JoinState state, int width, long k, long v) => state.Remove(Key(width, k), Row(width, k, v));

    private static List<long> ValuesOf(JoinState state, int width, long k)
    {
        var values = new List<long>();
        for (var seq = state.First(Key(width, k)); seq != JoinState.None; seq = state.NextOf(seq))
        {
            var row = state.At(seq).Row!;
            values.Add((long)row[^1]!);
        }
        return values;
    }

    private static void ProbeUntilIndexed(JoinState state, int width)
    {
        for (var i = 0; i < 5_000; i++) state.First(Key(width, 99));
    }

    private static byte[] Write(JoinState state)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer)) state.WriteState(writer);
        return buffer.ToArray();
    }

    private static JoinState Read(byte[] blob, int[]? keyColumns)
    {
        var state = new JoinState([], keyColumns);
        using var reader = new BinaryReader(new MemoryStream(blob));
        state.ReadState(reader);
        return state;
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(3, true)]
    public void Rows_of_a_key_of_plain_columns_come_back_oldest_first_through_retraction_expiry_and_a_checkpoint(int width, bool indexed)
    {
        var state = new JoinState([], ColumnsOf(width));
        for (var i = 0; i < 30; i++) Store(state, width, i % 3, i, expiresAfter: i);
        if (indexed) ProbeUntilIndexed(state, width);
        Assert.Equal([0, 3, 6, 9, 12, 15, 18, 21, 24, 27], ValuesOf(state, width, 0));

        Assert.True(Remove(state, width, 0, 0)); // first of the chain
        Assert.True(Remove(state, width, 0, 27)); // last
        Assert.True(Remove(state, width, 0, 15)); // middle
        Assert.False(Remove(state, width, 0, 15));
        Assert.False(Remove(state, width, 1, 0));
        Assert.Equal(1, state.Expire(2)); // row 1 (row 0 has left already)
        Assert.Equal([3, 6, 9, 12, 18, 21, 24], ValuesOf(state, width, 0));
        Assert.Equal([4, 7, 10, 13, 16, 19, 22, 25, 28], ValuesOf(state, width, 1));

        // Restored rows keep their keys whole; rows stored after the restore read theirs from the row. A probe finds both.
        var restored = Read(Write(state), ColumnsOf(width));
        for (var i = 100; i < 106; i++)
        {
            Store(state, width, i % 3, i, expiresAfter: i);
            Store(restored, width, i % 3, i, expiresAfter: i);
        }
        foreach (var k in new long[] { 0, 1, 2 }) Assert.Equal(ValuesOf(state, width, k), ValuesOf(restored, width, k));
        Assert.Equal([3, 6, 9, 12, 18, 21, 24, 102, 105], ValuesOf(restored, width, 0));
        Assert.True(Remove(restored, width, 0, 102));
        Assert.Equal(26 + 1, restored.Expire(101)); // every row left of the first 30, and row 100
        Assert.Equal([105], ValuesOf(restored, width, 0));
        Assert.Equal([103], ValuesOf(restored, width, 1));
        Assert.Equal([101, 104], ValuesOf(restored, width, 2));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(3, true)]
    public void Keys_whose_hash_codes_collide_are_told_apart(int width, bool indexed)
    {
        Assert.Equal(Key(width, 1).GetHashCode(), Key(width, Colliding).GetHashCode()); // else the test proves nothing
        var state = new JoinState([], ColumnsOf(width));
        for (var i = 0; i < 12; i++) Store(state, width, i % 2 == 0 ? 1 : Colliding, i);
        Store(state, width, 2, 12);
        if (indexed) ProbeUntilIndexed(state, width);

        Assert.Equal([0, 2, 4, 6, 8, 10], ValuesOf(state, width, 1));
        Assert.Equal([1, 3, 5, 7, 9, 11], ValuesOf(state, width, Colliding));
        Assert.False(Remove(state, width, Colliding, 0));
        Assert.True(Remove(state, width, Colliding, 1));
        Assert.Equal([0, 2, 4, 6, 8, 10], ValuesOf(state, width, 1));
        Assert.Equal([3, 5, 7, 9, 11], ValuesOf(state, width, Colliding));

        // Once every row of one key has left, a probe for it finds none of the other's.
        for (var v = 3; v < 12; v += 2) Assert.True(Remove(state, width, Colliding, v));
        Assert.Empty(ValuesOf(state, width, Colliding));
        Assert.Equal([0, 2, 4, 6, 8, 10], ValuesOf(state, width, 1));
    }

    [Fact]
    public void A_join_on_two_plain_columns_pairs_only_rows_equal_in_both_though_their_hash_codes_collide()
    {
        var recorder = new ElementRecorder();
        Func<object?[], object?>[] keys = [E.Column(0), E.Column(1)];
        var join = new JoinSink(recorder, keys, keys, null, 3, 3, false, false, [], [], appendOnly: false, new QueryStats(),
            leftKeyColumns: [0, 1], rightKeyColumns: [0, 1]);
        join.LeftObserver.OnNext(E.Ins(1, "a", 1L, "l1"));
        join.LeftObserver.OnNext(E.Ins(2, "a", Colliding, "l2"));
        join.LeftObserver.OnNext(E.Ins(3, "a", 1L, "l3"));
        join.RightObserver.OnNext(E.Ins(4, "a", Colliding, "r1"));
        join.RightObserver.OnNext(E.Ins(5, "a", 1L, "r2"));
        join.LeftObserver.OnNext(E.Del(6, "a", 1L, "l1"));
        join.RightObserver.OnNext(E.Del(7, "a", Colliding, "r1"));
        Assert.Equal(
            [
                "+a|4294967296|l2|a|4294967296|r1@4",
                "+a|1|l1|a|1|r2@5", "+a|1|l3|a|1|r2@5",
                "-a|1|l1|a|1|r2@6",
                "-a|4294967296|l2|a|4294967296|r1@7",
            ],
            recorder.Log);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void A_side_given_no_key_columns_keeps_composite_keys_whole(int width)
    {
        // Keys computed from the row (a join on expressions): the side is given no key columns to read them back from.
        var keys = KeyExpressions(width);
        GroupKey KeyOf(long k) => GroupKey.Of(keys, [.. Enumerable.Range(0, width).Select(i => (object)(k + i)), 0L]);
        var state = new JoinState([]);
        for (var i = 0L; i < 20; i++) state.Store([.. Enumerable.Range(0, width).Select(c => (object)(i % 2 + c)), i], i, KeyOf(i % 2), long.MaxValue);

        var values = new List<long>();
        for (var seq = state.First(KeyOf(1)); seq != JoinState.None; seq = state.NextOf(seq)) values.Add((long)state.At(seq).Row![^1]!);
        Assert.Equal([1, 3, 5, 7, 9, 11, 13, 15, 17, 19], values);
        Assert.Equal(JoinState.None, state.First(KeyOf(2)));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void A_row_whose_key_is_plain_columns_of_it_is_stored_without_a_copy_of_the_key(int width)
    {
        var state = new JoinState([], ColumnsOf(width));
        var rows = Enumerable.Range(0, 128).Select(i => Row(width, i % 4, i)).ToArray();
        var keys = rows.Select(row => GroupKey.Of(KeyExpressions(width), row)).ToArray();
        // The first half grows the ring to its size and leaves, so storing the second half needs no new storage.
        for (var i = 0; i < 64; i++) state.Store(rows[i], i, keys[i], long.MaxValue);
        for (var i = 0; i < 64; i++) Assert.True(state.Remove(keys[i], rows[i]));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 64; i < 128; i++) state.Store(rows[i], i, keys[i], long.MaxValue);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated); // a boxed copy of each key would be 64 objects
        Assert.Equal(Enumerable.Range(0, 16).Select(i => 65L + 4 * i), ValuesOf(state, width, 1));
    }

    [Fact]
    public void A_probe_for_an_absent_key_on_a_scanned_side_whose_last_row_ends_a_segment_finds_nothing()
    {
        // 3 × 512 rows: the ring is in segments, and the segment after the last row is not allocated yet.
        var state = new JoinState([]);
        for (var i = 0; i < 3 * JoinSlots.SegmentLength; i++) Store(state, 1, 0, i);
        Assert.Equal(JoinState.None, state.First(Key(1, 5)));
        Assert.Equal(3 * JoinSlots.SegmentLength, ValuesOf(state, 1, 0).Count);
    }
}
