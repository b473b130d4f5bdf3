namespace Sluice.Reactive.Operators;

/// <summary>
/// The storage of one join side's rows: <see cref="JoinState.Slot"/>s addressed by sequence number, as a ring that grows
/// without moving what it holds once it is large. While small (up to <see cref="SegmentLength"/> slots) it is one array
/// used as a plain ring (slot = seq &amp; mask) that doubles when full. Past that it is a ring of segments of
/// <see cref="SegmentLength"/> slots: each segment holds one run of sequence numbers (seq &gt;&gt; shift) until every
/// row in it is dead, and is then reused for a later run; when the segment a new run needs still holds live rows, the
/// ring of segments doubles, which moves segment references only. A regular join keeps every row forever: a doubling
/// ring of structs copied each of them again at every doubling (a 300,000-row side copied about 600,000 slots, into large
/// arrays that only a full collection frees), which was most of a regular join's time; segments below the large-object
/// threshold are allocated once and never copied.
/// </summary>
internal sealed class JoinSlots
{
    /// <summary>Slots per segment: 512 slots of 48 bytes (24 kB) stay below the 85,000-byte large-object threshold.</summary>
    public const int SegmentLength = 1 << SegmentShift;
    private const int SegmentShift = 9;
    private const int FirstLength = 16;

    private JoinState.Slot[][] segments = [new JoinState.Slot[FirstLength]];
    private int shift = 4; // log2 of a segment's length; while there is one segment, that segment is a plain ring
    private int slotMask = FirstLength - 1;
    private int segmentMask;

    /// <summary>How many slots the storage has room for now.</summary>
    public long Capacity => (long)segments.Length << shift;

    /// <summary>The slot of <paramref name="seq"/> (a reference that stays valid until <see cref="MakeRoom"/>).</summary>
    public ref JoinState.Slot At(long seq) => ref segments[(int)(seq >> shift) & segmentMask][(int)seq & slotMask];

    /// <summary>Makes the slot of <paramref name="next"/> free to store into, rows <paramref name="oldest"/> to <paramref name="next"/> - 1 being held.</summary>
    public void MakeRoom(long oldest, long next)
    {
        if (segments.Length == 1)
        {
            if (next - oldest <= slotMask) return;
            if (shift < SegmentShift) Double(oldest, next);
            else Split(oldest, next);
            return;
        }
        if ((next & slotMask) != 0) return; // inside a run whose segment is its own
        var run = next >> shift;
        var index = (int)run & segmentMask;
        // The segment last held run - segments.Length; it is free once every row of that run is dead.
        if (segments[index] is not null && run - segments.Length >= oldest >> shift)
        {
            GrowSegments(oldest);
            index = (int)run & segmentMask;
        }
        segments[index] ??= new JoinState.Slot[SegmentLength];
    }

    /// <summary>The one-array ring, twice as long: its live slots move to their new positions.</summary>
    private void Double(long oldest, long next)
    {
        var ring = segments[0];
        var grown = new JoinState.Slot[ring.Length * 2];
        for (var seq = oldest; seq < next; seq++) grown[seq & (grown.Length - 1)] = ring[seq & slotMask];
        segments[0] = grown;
        shift++;
        slotMask = grown.Length - 1;
    }

    /// <summary>
    /// The full one-array ring becomes a ring of two segments. Its slots hold at most two runs (the run of the oldest row
    /// and the next one, when the ring wrapped): the later run's rows move to a segment of their own.
    /// </summary>
    private void Split(long oldest, long next)
    {
        var ring = segments[0];
        var firstRun = oldest >> shift;
        segments = new JoinState.Slot[2][];
        segmentMask = 1;
        segments[firstRun & 1] = ring;
        var later = new JoinState.Slot[SegmentLength];
        segments[(firstRun + 1) & 1] = later;
        for (var seq = (firstRun + 1) << shift; seq < next; seq++)
        {
            ref var slot = ref ring[seq & slotMask];
            later[seq & slotMask] = slot;
            slot = default;
        }
    }

    /// <summary>
    /// Twice as many segments. The ring grows only when the segment a new run needs holds a live run, that is when every
    /// segment holds one of the live runs (the oldest row's to the last stored row's, as many as there are segments): they
    /// keep their places in the longer ring, and its other half is left for the runs that come next.
    /// </summary>
    private void GrowSegments(long oldest)
    {
        var grown = new JoinState.Slot[segments.Length * 2][];
        var mask = grown.Length - 1;
        var firstLive = oldest >> shift;
        for (var run = firstLive; run < firstLive + segments.Length; run++) grown[run & mask] = segments[run & segmentMask];
        segments = grown;
        segmentMask = mask;
    }

    /// <summary>Copies the slots of rows <paramref name="oldest"/> to <paramref name="next"/> - 1, in order, to the start of <paramref name="destination"/>.</summary>
    public void CopyTo(long oldest, long next, JoinState.Slot[] destination)
    {
        var copied = 0;
        for (var seq = oldest; seq < next;)
        {
            var offset = (int)seq & slotMask;
            var run = (int)Math.Min(next - seq, slotMask + 1 - offset);
            Array.Copy(segments[(int)(seq >> shift) & segmentMask], offset, destination, copied, run);
            copied += run;
            seq += run;
        }
    }

    /// <summary>Empty storage with room for rows <paramref name="oldest"/> to <paramref name="next"/> - 1 (a restore fills them in).</summary>
    public static JoinSlots For(long oldest, long next)
    {
        var slots = new JoinSlots();
        var count = next - oldest;
        if (count <= SegmentLength)
        {
            var length = FirstLength;
            while (length < count) length *= 2;
            slots.segments = [new JoinState.Slot[length]];
            slots.shift = System.Numerics.BitOperations.Log2((uint)length);
            slots.slotMask = length - 1;
            return slots;
        }
        slots.shift = SegmentShift;
        slots.slotMask = SegmentLength - 1;
        var runs = ((next - 1) >> SegmentShift) - (oldest >> SegmentShift) + 1;
        var segmentCount = 2;
        while (segmentCount < runs) segmentCount *= 2;
        slots.segments = new JoinState.Slot[segmentCount][];
        slots.segmentMask = segmentCount - 1;
        for (var run = oldest >> SegmentShift; run <= (next - 1) >> SegmentShift; run++)
        {
            slots.segments[run & slots.segmentMask] = new JoinState.Slot[SegmentLength];
        }
        return slots;
    }
}
