namespace Sluice.Data.Memory;

/// <summary>
/// The slots of a memory stream's ring: offset <c>o</c> lives in slot <c>o % capacity</c>. The slots are held in
/// segments of <see cref="SegmentSlots"/> allocated as the stream first fills, so a stream of capacity ten million
/// costs what it holds, not its capacity, and growing never copies more than one segment.
/// Segment 0 starts at <see cref="InitialSlots"/> and doubles up to a whole segment; the other segments are allocated whole.
/// </summary>
/// <remarks>
/// Not thread-safe for writers (the log writes under its append lock). Readers read a segment reference with
/// <see cref="Volatile"/> after reading the head: the writer publishes a segment before the head that needs it, and
/// while the ring grows nothing has wrapped, so a replaced segment 0 still holds the same events in the same slots.
/// Whether a slot a reader copied still holds the offset it wanted is decided by the log (its first retained offset).
/// </remarks>
internal sealed class SlotRing
{
    /// <summary>Slots a new stream starts with (or its capacity, when smaller): 8 KiB.</summary>
    public const int InitialSlots = 256;

    /// <summary>Slots per segment: 128 KiB, one large-object-heap array, which the GC never copies.</summary>
    public const int SegmentSlots = 4_096;

    private const int SegmentShift = 12;

    private readonly int capacity;
    private readonly EventSlot[]?[] segments;
    private int allocatedSlots;

    public SlotRing(int capacity)
    {
        this.capacity = capacity;
        segments = new EventSlot[]?[(int)(((long)capacity + SegmentSlots - 1) / SegmentSlots)];
        allocatedSlots = Math.Min(capacity, InitialSlots);
        segments[0] = new EventSlot[allocatedSlots];
    }

    /// <summary>Slots allocated now.</summary>
    public int AllocatedSlots => Volatile.Read(ref allocatedSlots);

    /// <summary>How many slots <see cref="GrowFor"/> would add for offsets below <paramref name="end"/>.</summary>
    public int SlotsToAdd(long end) => TargetSlots(end) - allocatedSlots;

    /// <summary>Allocates the slots of every offset below <paramref name="end"/>; before the head passes <c>end</c>.</summary>
    public void GrowFor(long end)
    {
        var target = TargetSlots(end);
        if (target <= allocatedSlots)
        {
            return;
        }
        // Segment 0 first, doubling (its events keep their slots), then whole segments.
        var first = segments[0]!;
        if (first.Length < Math.Min(capacity, SegmentSlots))
        {
            var grown = first.Length;
            while (grown < Math.Min(target, SegmentSlots))
            {
                grown = Math.Min(Math.Min(capacity, SegmentSlots), grown * 2);
            }
            var larger = new EventSlot[grown];
            Array.Copy(first, larger, first.Length);
            Volatile.Write(ref segments[0], larger);
        }
        for (var segment = 1; (long)segment * SegmentSlots < target; segment++)
        {
            if (segments[segment] is null)
            {
                Volatile.Write(ref segments[segment], new EventSlot[Math.Min(SegmentSlots, capacity - segment * SegmentSlots)]);
            }
        }
        Volatile.Write(ref allocatedSlots, target);
    }

    /// <summary>The slot of <paramref name="offset"/> (allocated: below the head, or grown for).</summary>
    public ref EventSlot this[long offset]
    {
        get
        {
            var index = (int)(offset % capacity);
            return ref Volatile.Read(ref segments[index >> SegmentShift])![index & (SegmentSlots - 1)];
        }
    }

    private int TargetSlots(long end)
    {
        if (end <= allocatedSlots)
        {
            return allocatedSlots;
        }
        if (end >= capacity)
        {
            return capacity;
        }
        // Segment 0 doubles; past it, whole segments.
        if (end <= SegmentSlots)
        {
            var grown = Math.Max(allocatedSlots, 1);
            while (grown < end)
            {
                grown *= 2;
            }
            return (int)Math.Min(Math.Min(capacity, SegmentSlots), grown);
        }
        return (int)Math.Min(capacity, (end + SegmentSlots - 1) / SegmentSlots * SegmentSlots);
    }
}
