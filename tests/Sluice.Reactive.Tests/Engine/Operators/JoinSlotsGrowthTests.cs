using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// How a join side's storage (<see cref="JoinSlots"/>) grows, driven directly as <see cref="JoinState"/> drives it: a
/// ring of 16 slots that doubles only when full, then segments of <see cref="JoinSlots.SegmentLength"/> slots reused
/// once their rows are dead (so a steady side allocates nothing), a restore that takes room for its rows and no more;
/// and through all of it, the slot of the next row is free and every held row stays where its sequence number says.
/// </summary>
public sealed class JoinSlotsGrowthTests
{
    /// <summary>The storage and the rows it holds, oldest to next - 1; a row leaves only once every older one has.</summary>
    private sealed class Side(JoinSlots slots, long oldest = 0, long next = 0)
    {
        public readonly JoinSlots Slots = slots;
        public long Oldest = oldest;
        public long Next = next;

        public void Store()
        {
            Slots.MakeRoom(Oldest, Next);
            ref var slot = ref Slots.At(Next);
            Assert.True(slot.Row is null && slot.Matches == 0, $"the slot of row {Next} is not free");
            slot.Row = [Next];
            slot.Matches = (int)(Next % 7) + 1;
            Next++;
        }

        public void Store(int count)
        {
            for (var i = 0; i < count; i++) Store();
        }

        /// <summary>Stores rows up to <paramref name="until"/>, releasing the oldest so that at most <paramref name="live"/> are held.</summary>
        public void Slide(long until, int live)
        {
            while (Next < until)
            {
                LeaveUntil(Next - live + 1);
                Store();
            }
        }

        public void LeaveUntil(long oldest)
        {
            for (; Oldest < oldest; Oldest++) Slots.At(Oldest) = default;
        }

        public void AssertHeld()
        {
            for (var seq = Oldest; seq < Next; seq++)
            {
                ref var slot = ref Slots.At(seq);
                Assert.True(slot.Row is [long stored] && stored == seq && slot.Matches == (int)(seq % 7) + 1, $"row {seq} is not in its slot");
            }
        }
    }

    private static long SegmentBytes()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        GC.KeepAlive(new JoinState.Slot[JoinSlots.SegmentLength]);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void A_new_side_is_a_ring_of_sixteen_slots_that_doubles_only_when_full_then_splits_into_segments()
    {
        var side = new Side(new JoinSlots());
        for (var i = 0; i < 16; i++)
        {
            side.Store();
            Assert.Equal(16, side.Slots.Capacity);
        }
        foreach (var capacity in new[] { 32, 64, 128, 256, 512 })
        {
            side.Store(); // the first row past a full ring doubles it
            Assert.Equal(capacity, side.Slots.Capacity);
            side.Store(capacity / 2 - 1);
            Assert.Equal(capacity, side.Slots.Capacity);
            side.AssertHeld();
        }
        side.Store(); // row 512: two segments of 512
        Assert.Equal(2 * JoinSlots.SegmentLength, side.Slots.Capacity);
        side.Store(JoinSlots.SegmentLength - 1);
        Assert.Equal(2 * JoinSlots.SegmentLength, side.Slots.Capacity);
        side.Store(); // row 1,024: both segments hold live rows, so four
        Assert.Equal(4 * JoinSlots.SegmentLength, side.Slots.Capacity);
        side.Store(5_000 - 1_025);
        Assert.Equal(16 * JoinSlots.SegmentLength, side.Slots.Capacity);
        side.AssertHeld();
    }

    [Fact]
    public void A_side_whose_rows_leave_as_fast_as_they_come_keeps_its_sixteen_slots()
    {
        var side = new Side(new JoinSlots());
        side.Slide(10_000, live: 8);
        Assert.Equal(16, side.Slots.Capacity);
        side.AssertHeld();
        side.Slide(20_000, live: 16); // a full ring is not yet a reason to grow
        Assert.Equal(16, side.Slots.Capacity);
        side.AssertHeld();
    }

    [Fact]
    public void A_ring_whose_first_rows_left_doubles_to_hold_the_rest_and_no_further()
    {
        // 32 rows from 8 to 39, not aligned on 16: a 32-slot ring holds them (16-slot segments would need three).
        var side = new Side(new JoinSlots());
        side.Store(16);
        side.LeaveUntil(8);
        side.Store(24);
        Assert.Equal(32, side.Slots.Capacity);
        side.AssertHeld();

        // Rows 16 to 31 fill the ring; row 32 doubles it, and the doubled ring is one array still.
        side = new Side(new JoinSlots());
        side.Store(16);
        side.LeaveUntil(16);
        side.Store(17);
        Assert.Equal(32, side.Slots.Capacity);
        side.Store(15);
        Assert.Equal(32, side.Slots.Capacity);
        side.AssertHeld();
    }

    [Fact]
    public void Past_one_segment_a_steady_side_reuses_its_segments_and_allocates_nothing()
    {
        // 600 live rows span at most three runs of 512: four segments, each reused once its run is dead.
        var side = new Side(new JoinSlots());
        side.Slide(5_000, live: 600);
        Assert.Equal(4 * JoinSlots.SegmentLength, side.Slots.Capacity);
        side.AssertHeld();
        var segmentBytes = SegmentBytes();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var until = 5_000L; until <= 25_000; until += 1_000)
        {
            while (side.Next < until)
            {
                side.LeaveUntil(side.Next - 599);
                side.Slots.MakeRoom(side.Oldest, side.Next);
                side.Slots.At(side.Next) = side.Slots.At(side.Next - 1); // a stored row, without allocating one
                side.Next++;
            }
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < segmentBytes, $"{allocated} bytes allocated over 20,000 rows (a segment is {segmentBytes})");
        Assert.Equal(4 * JoinSlots.SegmentLength, side.Slots.Capacity);
    }

    [Fact]
    public void Rows_pinned_by_an_old_one_keep_their_places_while_the_segments_double_around_them()
    {
        // The first 300 rows leave, row 300 stays: every later row stays live too, across five doublings.
        var side = new Side(new JoinSlots());
        side.Store(700);
        side.LeaveUntil(300);
        for (var rows = 1_000; rows <= 40_000; rows *= 2)
        {
            side.Store(rows - (int)side.Next);
            side.AssertHeld();
        }
        Assert.Equal(64 * JoinSlots.SegmentLength, side.Slots.Capacity);
    }

    /// <summary>The storage a restore builds (<see cref="JoinSlots.For"/>): the capacity a side growing to hold those
    /// rows could have, and for segments, one per run of the rows allocated and no more.</summary>
    [Theory]
    [InlineData(0, 0, 16, 0)]
    [InlineData(0, 16, 16, 0)]
    [InlineData(0, 17, 32, 0)]
    [InlineData(1_000, 1_010, 16, 0)]
    [InlineData(0, 512, 512, 0)]
    [InlineData(100, 612, 512, 0)]
    [InlineData(0, 513, 1_024, 2)]
    [InlineData(0, 1_024, 1_024, 2)]
    [InlineData(1_000, 2_000, 2_048, 3)]
    [InlineData(1_000, 2_048, 2_048, 3)]
    [InlineData(1_023, 1_600, 2_048, 3)]
    [InlineData(0, 5_000, 8_192, 10)]
    public void A_restored_side_has_room_for_its_rows_and_no_more(long oldest, long next, long capacity, int segments)
    {
        JoinSlots.For(oldest, next); // the first call's one-off allocations are not the storage's
        var segmentBytes = SegmentBytes();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var slots = JoinSlots.For(oldest, next);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(capacity, slots.Capacity);
        if (segments > 0) Assert.InRange(allocated, segments * segmentBytes, (segments + 1) * segmentBytes - 1);

        // A restore then fills in every row, and the side goes on from there.
        var side = new Side(slots, oldest, next);
        for (var seq = oldest; seq < next; seq++)
        {
            slots.At(seq).Row = [seq];
            slots.At(seq).Matches = (int)(seq % 7) + 1;
        }
        side.AssertHeld();
        side.Store(1_500);
        side.AssertHeld();
    }
}
