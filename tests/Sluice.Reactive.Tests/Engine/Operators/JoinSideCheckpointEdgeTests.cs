using System.Buffers.Binary;
using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// A join side's checkpoint at its edges: a side past 2^30 sequence numbers (a day of input) captures and restores; a side
/// restored from a checkpoint whose last in-order expiry bound is high releases rows stored after it at their own bounds;
/// a side captured again at the same size reuses the snapshot's buffers; a corrupt row range is refused with a message
/// naming the range and the bytes left; and a join refuses a second open capture saying why.
/// </summary>
public sealed class JoinSideCheckpointEdgeTests
{
    private static readonly Func<object?[], object?>[] KeyColumn = [E.Column(0)];
    private static readonly string[] Keys = ["k0", "k1", "k2"];

    // The side's header: oldest and next sequence numbers, the scan budget spent, the last in-order bound (longs), the index flag.
    private const int OldestOffset = 0;
    private const int NextOffset = 8;
    private const int LastOrderedOffset = 24;
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

    private static byte[] Write(JoinSideSnapshot snapshot)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer)) snapshot.Write(writer);
        return buffer.ToArray();
    }

    private static JoinState Read(byte[] blob)
    {
        var state = new JoinState([]);
        using var reader = new BinaryReader(new MemoryStream(blob));
        state.ReadState(reader);
        Assert.Equal(blob.Length, reader.BaseStream.Position);
        return state;
    }

    /// <summary>An empty side's checkpoint with its header changed as <paramref name="patch"/> says.</summary>
    private static byte[] EmptySide(Action<Span<byte>> patch)
    {
        var blob = Write(new JoinState([]));
        patch(blob);
        return blob;
    }

    [Fact]
    public void A_side_past_two_to_the_thirty_rows_captures_and_restores_its_rows()
    {
        const long farAlong = 1L << 30;
        var state = Read(EmptySide(header =>
        {
            BinaryPrimitives.WriteInt64LittleEndian(header[OldestOffset..], farAlong);
            BinaryPrimitives.WriteInt64LittleEndian(header[NextOffset..], farAlong);
        }));
        for (var i = 0; i < 40; i++) Store(state, Keys[i % 3], i, i);
        Assert.Equal(10, state.Expire(10));

        var blob = Write(state);
        Assert.Equal(farAlong + 10, BinaryPrimitives.ReadInt64LittleEndian(blob));
        var restored = Read(blob);
        Assert.Equal(blob, Write(restored));
        foreach (var k in Keys) Assert.Equal(ValuesOf(state, k), ValuesOf(restored, k));
        Assert.Equal([12, 15, 18, 21, 24, 27, 30, 33, 36, 39], ValuesOf(restored, "k0"));
    }

    [Fact]
    public void A_restored_side_releases_rows_stored_after_it_at_their_own_bound_below_its_last_in_order_one()
    {
        // As a side writes it once its row with bound 100 has expired: no rows, the last in-order bound 100.
        var restored = Read(EmptySide(header =>
        {
            BinaryPrimitives.WriteInt64LittleEndian(header[OldestOffset..], 1);
            BinaryPrimitives.WriteInt64LittleEndian(header[NextOffset..], 1);
            BinaryPrimitives.WriteInt64LittleEndian(header[LastOrderedOffset..], 100);
        }));
        Store(restored, "k0", 50, 50);
        Store(restored, "k0", 40, 40);
        Store(restored, "k0", 45, 45);

        Assert.Equal(1, restored.Expire(45)); // bound 40
        Assert.Equal([50, 45], ValuesOf(restored, "k0"));
        Assert.Equal(1, restored.Expire(46)); // bound 45
        Assert.Equal(1, restored.Expire(51)); // bound 50
        Assert.Empty(ValuesOf(restored, "k0"));
    }

    [Fact]
    public void A_side_captured_again_at_the_same_size_reuses_the_snapshot_buffers_and_writes_its_state_now()
    {
        var state = new JoinState([]);
        // Bounds in order (the FIFO of timers) and out of order (the priority queue), some rows left.
        for (var i = 0; i < 300; i++) Store(state, Keys[i % 3], i, i % 10 == 9 ? 1_000 - i : i);
        state.Expire(100);
        var snapshot = new JoinSideSnapshot();
        state.CaptureInto(snapshot);
        state.CaptureInto(snapshot);

        var before = GC.GetAllocatedBytesForCurrentThread();
        state.CaptureInto(snapshot);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(Write(state), Write(snapshot));

        // A smaller side captured into the same buffers writes only its own rows and timers.
        state.Expire(250);
        state.CaptureInto(snapshot);
        Assert.Equal(Write(state), Write(snapshot));
    }

    [Theory]
    [InlineData(0L)] // as many rows as bytes left: the timer counts that follow the rows have no room
    [InlineData(1L)]
    public void A_checkpoint_claiming_as_many_rows_as_it_has_bytes_left_or_more_is_refused_naming_both(long beyondTheBytes)
    {
        var state = new JoinState([]);
        for (var i = 0; i < 20; i++) Store(state, Keys[i % 3], i, i);
        var blob = Write(state);
        var left = blob.Length - HeaderLength;
        BinaryPrimitives.WriteInt64LittleEndian(blob.AsSpan(NextOffset), left + beyondTheBytes);

        var refused = Assert.Throws<InvalidDataException>(() => Read(blob));
        Assert.Equal($"A checkpoint of join state says rows 0 to {left + beyondTheBytes} in {left} byte(s).", refused.Message);
    }

    [Fact]
    public void A_join_refuses_a_second_open_capture_saying_one_is_still_open()
    {
        var join = new JoinSink(new ElementRecorder(), [E.Column(0)], [E.Column(0)], null, 2, 2, false, false, [], [], appendOnly: false, new QueryStats());
        join.LeftObserver.OnNext(E.Ins(1, "k", "a"));
        var open = join.Capture();

        var refused = Assert.Throws<InvalidOperationException>(() => join.Capture());
        Assert.Equal("A capture of this join's state is still open.", refused.Message);
        open.Release();
        join.Capture().Release();
    }
}
