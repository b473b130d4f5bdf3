using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Operators;

/// <summary>
/// One side of a join's state copied for a checkpoint: its counters, its ring of stored rows from the oldest live one
/// (the slots copied by value, in sequence order), and its expiry timers in the order a checkpoint lists them. Taking it
/// on the driver is a block copy of the ring (one per segment) and the timers, no serialization; <see cref="Write"/> then writes the
/// checkpoint bytes from the copy on any thread while the driver goes on changing the live state. Stored rows and keys
/// are immutable values, so copying the slots (which reference them) copies the state. The buffers are reused from one
/// checkpoint to the next, so a join holding a million rows does not allocate its ring again every second.
/// </summary>
internal sealed class JoinSideSnapshot
{
    private long oldest;
    private long next;
    private long scanned;
    private long lastOrdered;
    private bool indexed;
    private int[]? keyColumns;
    private JoinState.Slot[] slots = [];
    private (long Seq, long ExpiresAfter)[] ordered = [];
    private int orderedCount;
    private (long Seq, long ExpiresAfter)[] heap = [];
    private int heapCount;

    /// <summary>Copies one side's state (<see cref="JoinState.CaptureInto"/>) into this snapshot's buffers, growing them when needed.</summary>
    public void CopyFrom(long oldest, long next, long scanned, long lastOrdered, bool indexed, JoinSlots ring,
        Queue<(long Seq, long ExpiresAfter)> orderedTimers, PriorityQueue<long, long> timers, int[]? keyColumns)
    {
        this.keyColumns = keyColumns;
        this.oldest = oldest;
        this.next = next;
        this.scanned = scanned;
        this.lastOrdered = lastOrdered;
        this.indexed = indexed;

        var count = (int)(next - oldest);
        if (slots.Length < count) slots = new JoinState.Slot[count];
        ring.CopyTo(oldest, next, slots);

        orderedCount = orderedTimers.Count;
        if (ordered.Length < orderedCount) ordered = new (long, long)[orderedCount];
        orderedTimers.CopyTo(ordered, 0);

        heapCount = timers.Count;
        if (heap.Length < heapCount) heap = new (long, long)[heapCount];
        var i = 0;
        foreach (var (seq, expiresAfter) in timers.UnorderedItems) heap[i++] = (seq, expiresAfter);
    }

    /// <summary>
    /// The side's checkpoint bytes: counters, the ring from its oldest slot (dead slots as a flag, so sequence numbers and
    /// the timers that name them stay valid), the ordered timers, the timer heap in heap-array order (<see cref="CheckpointQueues"/>).
    /// </summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write(oldest);
        writer.Write(next);
        writer.Write(scanned);
        writer.Write(lastOrdered);
        writer.Write(indexed);
        var count = (int)(next - oldest);
        for (var i = 0; i < count; i++)
        {
            ref readonly var slot = ref slots[i];
            writer.Write(slot.Live);
            if (!slot.Live) continue;
            CheckpointValues.WriteRow(writer, slot.Row!);
            CheckpointValues.WriteKey(writer, slot.Key(keyColumns));
            writer.Write(slot.Time);
            writer.Write(slot.Matches);
        }
        writer.Write(orderedCount);
        for (var i = 0; i < orderedCount; i++)
        {
            writer.Write(ordered[i].Seq);
            writer.Write(ordered[i].ExpiresAfter);
        }
        writer.Write(heapCount);
        for (var i = 0; i < heapCount; i++)
        {
            writer.Write(heap[i].Seq);
            writer.Write(heap[i].ExpiresAfter);
        }
    }

    /// <summary>Drops the references the copy holds (rows, keys), keeping the buffers for the next checkpoint (the timers
    /// hold none; <see cref="CopyFrom"/> sets every count again).</summary>
    public void Clear() => Array.Clear(slots, 0, (int)(next - oldest));
}
